import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  BYTE_TOKENIZER_ID,
  byteTokenizer,
  defaultHubCache,
  loadTokenizer,
  resolveTokenizerId,
  TokenizerError,
} from "../../../src/tokenizer/index.js";
import { MERGES, writeBpeTokenizer } from "./bpe-fixture.js";

const root = mkdtempSync(join(tmpdir(), "tinker-tok-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const noEnv = {} as NodeJS.ProcessEnv;

describe("resolveTokenizerId (0.4.1 _get_tokenizer rules)", () => {
  it.each([
    ["Qwen/Qwen3-8B", null, "Qwen/Qwen3-8B"],
    ["meta-llama/Llama-3.1-8B", null, "baseten/Meta-Llama-3-tokenizer"],
    ["meta-llama/Llama-3.3-70B-Instruct", undefined, "baseten/Meta-Llama-3-tokenizer"],
    ["meta-llama/Llama-2-7b", null, "meta-llama/Llama-2-7b"],
    ["Qwen/Qwen3-8B/base-variant", null, "Qwen/Qwen3-8B"],
    ["a/b/c/d", null, "a/b/c/d"],
    ["no-slash", null, "no-slash"],
    ["meta-llama/Llama-3.1-8B", "server/choice", "server/choice"],
    // Not in 0.4.1: the emulator's own model names map to its byte tokenizer.
    ["tinker-ts/tiny-lm", null, BYTE_TOKENIZER_ID],
  ])("%s (info: %s) → %s", (model, fromInfo, expected) => {
    expect(resolveTokenizerId(model, fromInfo).tokenizerId).toBe(expected);
  });

  it("pins Kimi-K2-Thinking's revision whether the id was derived or reported", () => {
    const pinned = "612681931a8c906ddb349f8ad0f582cb552189cd";
    expect(resolveTokenizerId("moonshotai/Kimi-K2-Thinking").revision).toBe(pinned);
    expect(resolveTokenizerId("x/y", "moonshotai/Kimi-K2-Thinking").revision).toBe(pinned);
    expect(resolveTokenizerId("Qwen/Qwen3-8B").revision).toBeUndefined();
  });
});

describe("byte tokenizer", () => {
  const tok = byteTokenizer();
  it("round-trips UTF-8 text byte by byte", () => {
    const text = "héllo → 世界";
    const ids = tok.encode(text);
    expect(ids).toEqual(Array.from(Buffer.from(text, "utf8")));
    expect(tok.decode(ids)).toBe(text);
  });
  it("shows or skips special tokens", () => {
    expect(tok.decode([256, 104, 105, 257])).toBe("<|bos|>hi<|eos|>");
    expect(tok.decode([256, 104, 105, 257], { skipSpecialTokens: true })).toBe("hi");
  });
  it("renders a chat prompt", () => {
    const prompt = tok.applyChatTemplate([{ role: "user", content: "hi" }]);
    expect(prompt).toBe("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
  });
  it("is what loadTokenizer returns for the emulator's tokenizer id, without files", () => {
    expect(loadTokenizer("tiny-byte-lm", BYTE_TOKENIZER_ID, {}, noEnv).name).toBe(BYTE_TOKENIZER_ID);
  });
});

describe("Hugging Face tokenizer.json from local files", () => {
  const template =
    "{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}" +
    "{% if add_generation_prompt %}[assistant] {% endif %}";
  const direct = join(root, "direct");
  writeBpeTokenizer(direct, { chatTemplate: template });

  it("encodes with the merges and decodes back", () => {
    const tok = loadTokenizer("org/model", null, { tokenizerDir: direct }, noEnv);
    const ids = tok.encode("hello world");
    // "hello" and " world" are each a single merged token: the last two merges' ids.
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(256 + MERGES.indexOf("hell o"));
    expect(ids[1]).toBe(256 + MERGES.indexOf("Ġworl d"));
    expect(tok.decode(ids)).toBe("hello world");
    expect(tok.decode(tok.encode("hold the wire"))).toBe("hold the wire");
  });

  it("renders the chat template with the config's special tokens", () => {
    const tok = loadTokenizer("org/model", null, { tokenizerDir: direct }, noEnv);
    expect(tok.chatTemplate).toBe(template);
    const text = tok.applyChatTemplate([{ role: "user", content: "hello" }]);
    expect(text).toBe("<s>[user] hello\n[assistant] ");
    expect(tok.applyChatTemplate([{ role: "user", content: "x" }], { addGenerationPrompt: false })).toBe(
      "<s>[user] x\n",
    );
  });

  it("finds <dir>/<org>/<model> under TINKER_TOKENIZER_DIR", () => {
    const dir = join(root, "by-id");
    writeBpeTokenizer(join(dir, "acme", "tiny"));
    const tok = loadTokenizer("acme/tiny/variant", null, {}, { TINKER_TOKENIZER_DIR: dir });
    expect(tok.name).toBe("acme/tiny");
    expect(tok.decode(tok.encode("hello"))).toBe("hello");
    expect(() => tok.applyChatTemplate([{ role: "user", content: "x" }])).toThrow(/no chat template/);
  });

  it("reads the Hugging Face hub cache layout (refs/main → snapshot)", () => {
    const hub = join(root, "hub");
    const repo = join(hub, "models--acme--cached");
    writeBpeTokenizer(join(repo, "snapshots", "abc123"));
    mkdirSync(join(repo, "refs"), { recursive: true });
    writeFileSync(join(repo, "refs", "main"), "abc123\n");
    const tok = loadTokenizer("acme/cached", null, {}, { HF_HUB_CACHE: hub });
    expect(tok.decode(tok.encode("world"))).toBe("world");
    expect(defaultHubCache({ HF_HOME: "/h" })).toBe(join("/h", "hub"));
    expect(defaultHubCache({ XDG_CACHE_HOME: "/x" })).toBe(join("/x", "huggingface", "hub"));
  });

  it("says which model, where it looked and how to provide files when they are missing", () => {
    const hub = join(root, "empty-hub");
    let error: unknown;
    try {
      loadTokenizer(
        "meta-llama/Llama-3.1-8B",
        null,
        { tokenizerDir: join(root, "nowhere") },
        { HF_HUB_CACHE: hub },
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TokenizerError);
    const e = error as TokenizerError;
    expect(e.code).toBe("TINKER_TOKENIZER");
    expect(e.tokenizerId).toBe("baseten/Meta-Llama-3-tokenizer");
    expect(e.message).toContain("baseten/Meta-Llama-3-tokenizer");
    expect(e.message).toContain(join(root, "nowhere"));
    expect(e.message).toContain("models--baseten--Meta-Llama-3-tokenizer");
    expect(e.message).toContain("TINKER_TOKENIZER_DIR");
  });

  it("reports an unreadable tokenizer.json as a TokenizerError", () => {
    const bad = join(root, "bad");
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, "tokenizer.json"), "{not json");
    expect(() => loadTokenizer("x/y", null, { tokenizerDir: bad }, noEnv)).toThrow(TokenizerError);
  });
});
