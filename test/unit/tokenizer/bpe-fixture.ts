/**
 * Builds a real byte-level BPE `tokenizer.json` (GPT-2 style) with a handful of merges, so tokenizer
 * tests need no downloaded files.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// GPT-2's reversible byte → printable character table.
function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return table;
}

/** The merges of the fixture, in rank order. */
export const MERGES = ["h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "Ġwor l", "Ġworl d"];

/** Writes tokenizer.json (+ tokenizer_config.json with a chat template when asked) into `dir`. */
export function writeBpeTokenizer(dir: string, options: { chatTemplate?: string } = {}): void {
  mkdirSync(dir, { recursive: true });
  const vocab: Record<string, number> = {};
  for (const ch of bytesToUnicode()) vocab[ch] = Object.keys(vocab).length;
  for (const merge of MERGES) vocab[merge.replace(" ", "")] = Object.keys(vocab).length;
  const bos = Object.keys(vocab).length;
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: bos,
        content: "<s>",
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: MERGES,
    },
  };
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(tokenizer));
  const config: Record<string, unknown> = { bos_token: "<s>", eos_token: { content: "<s>" } };
  if (options.chatTemplate) config.chat_template = options.chatTemplate;
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify(config));
}
