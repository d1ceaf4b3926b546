/**
 * Compares a body we produced (full, decoded) with a recorded body in which arrays longer than 64
 * items may be summarised as `{"__array__": n, "head": first 4, "tail": last 2,
 * "sha256_compact_json"}`. Returns the differences as readable paths; empty means equal.
 */
import type { Json } from "./golden.js";
import { holdsFloats, pyDisplaySha256 } from "./py-display.js";

/** A recorded array summary. */
export interface ArraySummaryV025 {
  __array__: number;
  head: Json[];
  tail: Json[];
  sha256_compact_json: string;
}

/** Whether `v` is an array summary. */
export function isSummary(v: Json | undefined): v is { [k: string]: Json } & ArraySummaryV025 {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    typeof v.__array__ === "number" &&
    typeof v.sha256_compact_json === "string"
  );
}

const show = (v: Json | undefined) => {
  const s = JSON.stringify(v);
  return s === undefined ? "undefined" : s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

function numbersEqual(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** Differences between `recorded` (maybe summarised) and `actual` (full). */
export function diffAgainstRecorded(
  recorded: Json | undefined,
  actual: Json | undefined,
  path = "$",
  floats = false,
): string[] {
  if (isSummary(recorded)) {
    if (!Array.isArray(actual))
      return [`${path}: expected an array of ${recorded.__array__}, got ${show(actual)}`];
    if (actual.length !== recorded.__array__)
      return [`${path}: length ${actual.length} != ${recorded.__array__}`];
    const out: string[] = [];
    recorded.head.forEach((h, i) => {
      out.push(...diffAgainstRecorded(h, actual[i], `${path}[${i}]`, floats));
    });
    recorded.tail.forEach((t, i) => {
      const at = actual.length - recorded.tail.length + i;
      out.push(...diffAgainstRecorded(t, actual[at], `${path}[${at}]`, floats));
    });
    const sha = pyDisplaySha256(actual, floats);
    if (sha !== recorded.sha256_compact_json)
      out.push(`${path}: sha256_compact_json ${sha} != ${recorded.sha256_compact_json}`);
    return out;
  }
  if (Array.isArray(recorded)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${show(actual)}`];
    if (recorded.length !== actual.length) return [`${path}: length ${actual.length} != ${recorded.length}`];
    return recorded.flatMap((r, i) => diffAgainstRecorded(r, actual[i], `${path}[${i}]`, floats));
  }
  if (recorded !== null && typeof recorded === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
      return [`${path}: expected an object, got ${show(actual)}`];
    }
    const keys = new Set([...Object.keys(recorded), ...Object.keys(actual)]);
    return [...keys].flatMap((k) => {
      if (!(k in actual)) return [`${path}.${k}: missing (recorded ${show(recorded[k])})`];
      if (!(k in recorded)) return [`${path}.${k}: unexpected ${show(actual[k])}`];
      return diffAgainstRecorded(recorded[k], actual[k], `${path}.${k}`, holdsFloats(actual, k));
    });
  }
  if (typeof recorded === "number" && typeof actual === "number") {
    return numbersEqual(recorded, actual) ? [] : [`${path}: ${actual} != ${recorded}`];
  }
  return recorded === actual ? [] : [`${path}: ${show(actual)} != ${show(recorded)}`];
}
