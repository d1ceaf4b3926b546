/** Map fields: entries always written with keys sorted, so our bytes are the canonical bytes. */

/**
 * Keys of a map field in deterministic order. protobuf's deterministic serialisation sorts string
 * keys by their UTF-8 bytes; for the ASCII keys of this API that is plain code-unit order.
 */
export function sortedKeys(map: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(map).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
