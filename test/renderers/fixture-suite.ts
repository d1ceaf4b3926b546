/** One vitest test per golden case of the given renderer files, all on one tokenizer. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getRenderer, getTextContent, RendererError } from "../../src/renderers/index.js";
import { comparable, type FixtureCase, loadCases, tokenizerFor } from "./fixture-cases.js";

function check(c: FixtureCase): void {
  const warnings: string[] = [];
  const options = {
    onWarning: (m: string) => warnings.push(m),
    ...(c.renderer_options?.current_date ? { currentDate: c.renderer_options.current_date } : {}),
  };
  const renderer = getRenderer(c.renderer, tokenizerFor(c.tokenizer.npm), options);
  const build = () => renderer.buildSupervisedExample(c.messages, { trainOnWhat: c.train_on_what });
  if (c.error) {
    expect(build).toThrow(RendererError);
  } else {
    const example = build();
    expect(example.modelInput.toInts()).toEqual(c.tokens);
    expect(example.weights).toEqual(c.weights);
    expect(warnings.length > 0).toBe((c.warnings?.length ?? 0) > 0);
  }
  const gp = c.generation_prompt;
  const prefix = c.messages.slice(0, gp.messages_prefix_len);
  const prompt = () =>
    renderer.buildGenerationPrompt(prefix, gp.prefill === undefined ? {} : { prefill: gp.prefill });
  if (gp.error) expect(prompt).toThrow(RendererError);
  else expect(prompt().toInts()).toEqual(gp.tokens);
  expect(renderer.getStopSequences()).toEqual(c.stop_sequences);
  expect(renderer.hasExtensionProperty).toBe(c.has_extension_property);
  if (c.tool_prefix) {
    const made = renderer.createConversationPrefixWithTools?.(
      c.tool_prefix.tools,
      c.tool_prefix.system_prompt,
    );
    expect(made).toEqual(c.messages.slice(0, c.tool_prefix.num_messages));
  }
  if (c.parse) {
    const parse = () => renderer.parseResponse(c.parse?.tokens ?? []);
    if (c.parse.error) {
      expect(parse).toThrow(RendererError);
    } else {
      const parsed = parse();
      expect(comparable(parsed.message)).toEqual(comparable(c.parse.message as never));
      expect(parsed.termination).toBe(c.parse.termination);
    }
  }
}

/** Registers one test per case of each `renderers` file, keeping only cases on `npm`'s tokenizer. */
export function fixtureSuite(npm: string, renderers: readonly string[]): void {
  for (const name of renderers) {
    const cases = loadCases(name).filter((c) => c.tokenizer.npm === npm);
    describe(`${name} (${npm})`, () => {
      for (const c of cases) it(c.id, () => check(c));
    });
  }
}

/**
 * The cookbook's sequence-extension property, on every golden conversation whose renderer claims it:
 * the supervised example of the whole conversation starts with each assistant turn's generation prompt.
 */
export function extensionSuite(npm: string, renderers: readonly string[]): void {
  for (const name of renderers) {
    const cases = loadCases(name).filter(
      (c) =>
        c.tokenizer.npm === npm && c.has_extension_property && !c.error && c.train_on_what !== "customized",
    );
    if (cases.length === 0) continue; // the renderer does not claim the property
    describe(`${name} (${npm}) extension property`, () => {
      it.each(cases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
        const renderer = getRenderer(c.renderer, tokenizerFor(c.tokenizer.npm), { onWarning: () => {} });
        const full = renderer
          .buildSupervisedExample(c.messages, { trainOnWhat: "all_messages" })
          .modelInput.toInts();
        c.messages.forEach((m, i) => {
          if (m.role !== "assistant") return;
          const prompt = renderer.buildGenerationPrompt(c.messages.slice(0, i)).toInts();
          expect(full.slice(0, prompt.length)).toEqual(prompt);
        });
      });
    });
  }
}

/**
 * Parse inverts render: an assistant answer rendered into a conversation and sampled back (the tokens
 * after its generation prompt) parses to the same text, for arbitrary text.
 */
export function roundTripSuite(npm: string, renderers: readonly string[]): void {
  const text = fc
    .array(fc.constantFrom("a", "b", "Z", "7", " ", "\n", "é", "中", "-", "ok", "x y"), {
      minLength: 1,
      maxLength: 40,
    })
    .map((xs) => xs.join(""))
    .filter((s) => /^[^\s]/.test(s) && /[^\s]$/.test(s));
  for (const name of renderers) {
    it(`${name} (${npm}): parse(render(answer)) gives the answer back`, () => {
      const renderer = getRenderer(name, tokenizerFor(npm), {
        onWarning: () => {},
        currentDate: "2025-08-05",
      });
      fc.assert(
        fc.property(text, text, (question, answer) => {
          const messages = [
            { role: "user" as const, content: question },
            { role: "assistant" as const, content: answer },
          ];
          const all = renderer.buildSupervisedExample(messages).modelInput.toInts();
          const prompt = renderer.buildGenerationPrompt(messages.slice(0, 1)).toInts();
          expect(all.slice(0, prompt.length)).toEqual(prompt);
          const parsed = renderer.parseResponse(all.slice(prompt.length));
          expect(getTextContent(parsed.message)).toBe(answer);
          expect(parsed.termination).not.toBe("malformed");
        }),
        { numRuns: 25, seed: 19 },
      );
    });
  }
}
