/**
 * Python-compatible JSON dumping, so that arrays the transcripts summarise as
 * `{"__array__", head, tail, sha256_compact_json}` can be checked against what tinker-ts sent.
 *
 * The recorder hashed `json.dumps(array, separators=(",", ":"))`. Two things differ from
 * `JSON.stringify`: Python writes floats with a fractional part (`1.0`, `1e-05`) and escapes
 * non-ASCII characters (`ensure_ascii=True`). After JSON parsing, "was this a Python float?" is lost,
 * so we use the wire schema: every number in the `data` of a `{data, dtype: "float*", shape}`
 * tensor is a float, any non-integer is a float, every other integer is an int. Key order follows
 * a template (the recorded head element) because the hash depends on Python's field order.
 */
import { createHash } from "node:crypto";
import type { Json } from "./golden.js";

/** The summary the recorder writes in place of an array longer than 64 items. */
export interface ArraySummary {
  __array__: number;
  head: Json[];
  tail: Json[];
  sha256_compact_json: string;
}

/** Whether a transcript value is an array summary. */
export function isArraySummary(v: unknown): v is ArraySummary {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    typeof (v as Record<string, unknown>)["__array__"] === "number" &&
    typeof (v as Record<string, unknown>)["sha256_compact_json"] === "string"
  );
}

/** Python `repr(float)` (CPython "short" repr): `1.0`, `0.0001`, `1e-05`, `1e+16`, `-0.0`. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "Infinity";
  if (n === Number.NEGATIVE_INFINITY) return "-Infinity";
  if (n === 0) return Object.is(n, -0) ? "-0.0" : "0.0";
  const sign = n < 0 ? "-" : "";
  // toExponential() without digits gives the shortest round-trip digits, as CPython's repr does.
  const [mant, expText] = Math.abs(n).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const exp = Number.parseInt(expText, 10);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, "0");
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac === "" ? "0" : frac}`;
}

/** Python `json.dumps(s)` of a string (ensure_ascii: non-ASCII as lower-case `\uXXXX`). */
export function pyString(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function templateElement(template: Json | undefined): Json | undefined {
  if (Array.isArray(template)) return template[0];
  if (isArraySummary(template)) return template.head[0];
  return undefined;
}

function dumpNumber(n: number, asFloat: boolean): string {
  if (!asFloat && Number.isInteger(n)) return String(n);
  return pyFloatRepr(n);
}

/**
 * `json.dumps(value, separators=(",", ":"))` as CPython would write it for the same wire data.
 * `template` (optional) is a recorded value of the same shape whose key order is used.
 */
export function pyDumps(value: unknown, template?: Json, floats = false): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return dumpNumber(value, floats);
  if (typeof value === "string") return pyString(value);
  if (Array.isArray(value)) {
    const t = templateElement(template);
    return `[${value.map((v) => pyDumps(v, t, floats)).join(",")}]`;
  }
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const tObj =
      template !== null && typeof template === "object" && !Array.isArray(template) ? template : undefined;
    const order = tObj ? Object.keys(tObj).filter((k) => k in obj) : [];
    const keys = [...order, ...Object.keys(obj).filter((k) => !order.includes(k))];
    const floatTensor = typeof obj["dtype"] === "string" && obj["dtype"].startsWith("float");
    const parts = keys
      .filter((k) => obj[k] !== undefined)
      .map((k) => `${pyString(k)}:${pyDumps(obj[k], tObj?.[k], k === "data" && floatTensor)}`);
    return `{${parts.join(",")}}`;
  }
  throw new Error(`cannot dump ${typeof value}`);
}

/** Hex sha256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The sha256 the recorder would have written for this array (see module comment). */
export function pyArraySha256(array: unknown[], summary?: ArraySummary): string {
  return sha256Hex(pyDumps(array, summary ? [summary.head[0] ?? null] : undefined));
}
