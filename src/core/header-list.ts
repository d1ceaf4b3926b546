/**
 * Headers. Requests carry a flat `[name, value, name, value, …]` list with lower-case names: the
 * form undici takes without converting, and far cheaper to build per request than an object copied
 * from the client's fixed headers (object spread of that many keys cost ~8 µs a request). Per-call
 * headers come in as objects, responses go out as objects of single strings.
 */
export type HeaderList = string[];

/** The value of `name` (lower-case), if present. */
export function headerValue(list: HeaderList, name: string): string | undefined {
  for (let i = 0; i < list.length; i += 2) if (list[i] === name) return list[i + 1];
  return undefined;
}

/** Replaces the value of `name` (lower-case), or appends it. */
export function setHeader(list: HeaderList, name: string, value: string): void {
  for (let i = 0; i < list.length; i += 2) {
    if (list[i] === name) {
      list[i + 1] = value;
      return;
    }
  }
  list.push(name, value);
}

/** A copy without the named headers. */
export function withoutHeaders(list: HeaderList, names: ReadonlySet<string>): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i] as string;
    if (!names.has(name)) out.push(name, list[i + 1] as string);
  }
  return out;
}

/** The list as an object, the values of `secret` names shown as `<redacted>` (for post-mortems). */
export function redactedHeaders(list: HeaderList, secret: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i] as string;
    const v = secret.has(name) ? "<redacted>" : (list[i + 1] as string);
    out[name] = out[name] === undefined ? v : `${out[name]}, ${v}`;
  }
  return out;
}

/** Per-call headers with lower-case names; the object itself when they already are (the SDK's own). */
export function lowerKeys(h: Record<string, string | string[]>): Record<string, string | string[]> {
  for (const k in h) {
    if (k !== k.toLowerCase()) {
      const out: Record<string, string | string[]> = {};
      for (const [name, v] of Object.entries(h)) out[name.toLowerCase()] = v;
      return out;
    }
  }
  return h;
}

/** undici's response headers (names already lower-case), made single strings in place. */
export function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  for (const k in h) {
    const v = h[k];
    if (v === undefined) delete h[k];
    else if (typeof v !== "string") h[k] = v.join(", ");
  }
  return h as Record<string, string>;
}
