/**
 * Python's text of a JSON value and of an HTTP status error, for the 0.25.0 telemetry fields the
 * SDK fills with `str(exception)` (`detail` of a poll error, fact 23).
 */
import { pythonFloatRepr } from "./python-float.js";

/** Python's `repr(str)`: single quotes unless the text has `'` and no `"`. */
function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

/**
 * Python's `repr` of a value `json.loads` made: dicts, lists, `True`/`False`/`None`, ints, and
 * floats (a JSON number with a fraction; whole numbers read as ints, which JSON cannot tell apart).
 */
export function pythonRepr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : pythonFloatRepr(v);
  if (typeof v === "string") return strRepr(v);
  if (Array.isArray(v)) return `[${v.map(pythonRepr).join(", ")}]`;
  if (typeof v === "object")
    return `{${Object.entries(v)
      .map(([k, x]) => `${strRepr(k)}: ${pythonRepr(x)}`)
      .join(", ")}}`;
  return String(v);
}

/**
 * `str()` of the SDK's `APIStatusError`: `Error code: <status> - <body>`, the body as `json.loads`
 * read it (its repr) or, when it was not JSON, its text.
 */
export function pythonStatusErrorText(status: number, body: unknown): string {
  const text = body === undefined || body === null ? "" : typeof body === "string" ? body : pythonRepr(body);
  return `Error code: ${status} - ${text}`;
}
