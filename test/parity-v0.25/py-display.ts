/**
 * `json.dumps(value, separators=(",", ":"))` of a protobuf body in its transcript (decoded) form,
 * as the recorder computed `sha256_compact_json` for arrays it summarised. Which numbers were
 * Python floats is known from the schema: the `values` of a `"le": "float32"` bytes object and the
 * values of `metrics` / `loss_fn_config`; every other number was an int.
 */
import { createHash } from "node:crypto";
import { pyFloatRepr, pyString } from "../parity/py-json.js";
import type { Json } from "./golden.js";

const FLOAT_MAPS = new Set(["metrics", "loss_fn_config"]);

function dump(v: Json, floats: boolean): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return floats || !Number.isInteger(v) ? pyFloatRepr(v) : String(v);
  if (typeof v === "string") return pyString(v);
  if (Array.isArray(v)) return `[${v.map((x) => dump(x, floats)).join(",")}]`;
  const floatValues = v.le === "float32";
  const parts = Object.entries(v).map(([k, x]) => {
    const f = floats || (k === "values" && floatValues) || FLOAT_MAPS.has(k);
    // A float map's values are floats; the map itself is an object of them.
    return `${pyString(k)}:${dump(x, f)}`;
  });
  return `{${parts.join(",")}}`;
}

/** The recorder's compact JSON of a display-form value; `floats` when `v` sits where floats go. */
export function pyDumpDisplay(v: Json, floats = false): string {
  return dump(v, floats);
}

/** Whether the child `key` of `parent` holds Python floats (see the module comment). */
export function holdsFloats(parent: { [k: string]: Json }, key: string): boolean {
  return (key === "values" && parent.le === "float32") || FLOAT_MAPS.has(key);
}

/** sha256 of `pyDumpDisplay(v, floats)`, as `sha256_compact_json`. */
export function pyDisplaySha256(v: Json, floats = false): string {
  return createHash("sha256").update(pyDumpDisplay(v, floats), "utf8").digest("hex");
}
