/**
 * JSON read and written the way Python's `json` module does, because renderers must reproduce the
 * cookbook's text byte for byte: `json.loads` keeps key order (a repeated key keeps its first place
 * and its last value), keeps `1.0` a float and `10` an int, accepts `NaN`/`Infinity`; `json.dumps`
 * writes `", "`/`": "` separators, `\uXXXX` for every non-ASCII character and floats as `repr` does.
 * `JSON.parse`/`JSON.stringify` differ on each of these points.
 */

/** A parsed JSON value that remembers what Python would: int vs float, and key order. */
export type PyJson =
  | null
  | boolean
  | string
  | PyInt
  | PyFloat
  | readonly PyJson[]
  | ReadonlyMap<string, PyJson>;

/** A JSON integer, kept as its digits (Python ints have no size limit). */
export interface PyInt {
  readonly int: string;
}

/** A JSON number with a fraction or exponent (or NaN/Infinity): a Python `float`. */
export interface PyFloat {
  readonly float: number;
}

/** `json.loads` failed; `message` is worded as Python's `JSONDecodeError`. */
export class PyJsonError extends Error {}

const isWs = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r";
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;

/** Parses `text` as Python's `json.loads` does, or throws {@link PyJsonError}. */
export function pyJsonLoads(text: string): PyJson {
  let i = 0;
  const fail = (msg: string, at: number): never => {
    const before = text.slice(0, at);
    const line = before.split("\n").length;
    const col = at - before.lastIndexOf("\n");
    throw new PyJsonError(`${msg}: line ${line} column ${col} (char ${at})`);
  };
  const skip = () => {
    while (isWs(text[i])) i++;
  };
  const parseString = (): string => {
    const start = i - 1;
    let out = "";
    for (;;) {
      const c = text[i];
      if (c === undefined) fail("Unterminated string starting at", start);
      if (c === '"') {
        i++;
        return out;
      }
      if (c === "\\") {
        const e = text[i + 1];
        const simple: Record<string, string> = {
          '"': '"',
          "\\": "\\",
          "/": "/",
          b: "\b",
          f: "\f",
          n: "\n",
          r: "\r",
          t: "\t",
        };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i += 2;
        } else if (e === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("Invalid \\uXXXX escape", i + 1);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 6;
        } else {
          fail("Invalid \\escape", i);
        }
        continue;
      }
      if ((c as string) < " ") fail("Invalid control character at", i);
      out += c;
      i++;
    }
  };
  const parseValue = (): PyJson => {
    const c = text[i];
    if (c === '"') {
      i++;
      return parseString();
    }
    if (c === "{") {
      i++;
      const obj = new Map<string, PyJson>();
      skip();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        if (text[i] !== '"') fail("Expecting property name enclosed in double quotes", i);
        i++;
        const key = parseString();
        skip();
        if (text[i] !== ":") fail("Expecting ':' delimiter", i);
        i++;
        skip();
        obj.set(key, parseValue());
        skip();
        if (text[i] === "}") {
          i++;
          return obj;
        }
        if (text[i] !== ",") fail("Expecting ',' delimiter", i);
        i++;
        skip();
      }
    }
    if (c === "[") {
      i++;
      const arr: PyJson[] = [];
      skip();
      if (text[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue());
        skip();
        if (text[i] === "]") {
          i++;
          return arr;
        }
        if (text[i] !== ",") fail("Expecting ',' delimiter", i);
        i++;
        skip();
      }
    }
    for (const [word, value] of [
      ["null", null],
      ["true", true],
      ["false", false],
      ["NaN", { float: Number.NaN }],
      ["Infinity", { float: Number.POSITIVE_INFINITY }],
      ["-Infinity", { float: Number.NEGATIVE_INFINITY }],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m === null) return fail("Expecting value", i);
    i += m[0].length;
    if (m[1] === undefined && m[2] === undefined) {
      const digits = m[0] === "-0" ? "0" : m[0];
      return { int: digits };
    }
    return { float: Number(m[0]) };
  };
  skip();
  const value = parseValue();
  skip();
  if (i !== text.length) fail("Extra data", i);
  return value;
}

/** `repr(float)`: shortest round-trip digits, fixed notation for 1e-4 ≤ |x| < 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Number.POSITIVE_INFINITY) return "Infinity";
  if (x === Number.NEGATIVE_INFINITY) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mant, expText] = Math.abs(x).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const e = Number(expText);
  if (e >= -4 && e < 16) {
    const point = e + 1;
    if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
    if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}.0`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** A string as `json.dumps` writes it with `ensure_ascii=True`. */
export function pyJsonString(s: string): string {
  // Fast path: printable ASCII without quotes or backslashes needs no escaping.
  if (/^[ !#-[\]-~]*$/.test(s)) return `"${s}"`;
  let out = '"';
  for (let k = 0; k < s.length; k++) {
    const c = s[k] as string;
    const code = s.charCodeAt(k);
    const esc = ESCAPES[c];
    if (esc !== undefined) out += esc;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += c;
  }
  return `${out}"`;
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !(v instanceof Map) && !Array.isArray(v);

/**
 * `json.dumps(value)` with Python's defaults. Accepts parsed {@link PyJson} and plain JavaScript
 * values; a JavaScript number is written as an int when it is an integer (Python would have kept
 * what the author wrote, which a `number` no longer knows).
 */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "string") return pyJsonString(value);
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(", ")}]`;
  if (value instanceof Map) {
    const items = [...value].map(([k, v]) => `${pyJsonString(String(k))}: ${pyJsonDumps(v)}`);
    return `{${items.join(", ")}}`;
  }
  if (isPlain(value) && typeof value.int === "string" && Object.keys(value).length === 1) return value.int;
  if (isPlain(value) && typeof value.float === "number" && Object.keys(value).length === 1)
    return pyFloatRepr(value.float);
  const items = Object.entries(value as Record<string, unknown>).map(
    ([k, v]) => `${pyJsonString(k)}: ${pyJsonDumps(v)}`,
  );
  return `{${items.join(", ")}}`;
}

/** Whether a parsed value is a JSON object (a Python `dict`). */
export const isPyObject = (v: PyJson): v is ReadonlyMap<string, PyJson> => v instanceof Map;
