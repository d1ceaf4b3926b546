/** One vitest test per golden case of the given renderer files, all on one tokenizer. */
import { describe, expect, it } from "vitest";
import { getRenderer, RendererError } from "../../src/renderers/index.js";
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
