/**
 * Byte-level tokenizer: UTF-8 bytes are tokens 0-255; 256 is BOS and 257 is EOS.
 */

/** Beginning-of-sequence token id. */
export const BOS = 256;
/** End-of-sequence token id. */
export const EOS = 257;

/** Text to byte tokens. */
export function encodeBytes(text: string): number[] {
  return Array.from(new TextEncoder().encode(text));
}

/** Byte tokens to text; special tokens are dropped. */
export function decodeBytes(tokens: readonly number[]): string {
  return new TextDecoder().decode(Uint8Array.from(tokens.filter((t) => t >= 0 && t < 256)));
}
