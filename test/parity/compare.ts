/**
 * Compares a request tinker-ts sent with the request the Python SDK 0.4.1 sent in the same place
 * of a golden transcript, on the things that carry meaning (golden README "What a port should not
 * try to match" lists what is ignored). Every difference becomes one readable line.
 *
 * Compared: method, path (raw, so `weights/0001` must stay unescaped), query (as a multiset of
 * pairs), the parsed JSON body (Python `1.0` equals our `1`; summarised arrays by length, head,
 * tail and a Python-compatible sha256), and the headers: the same header names on both sides
 * (beyond those the README says not to match), and every value as a string (a header sent twice is
 * its values joined with ", "), except `x-api-key` (must be the test's key), `x-idempotency-key`
 * (`stainless-python-retry-<uuid#N>`: same N ⇔ same key of ours, a bijection over the scenario),
 * the roundtrip-time header (a non-negative number) and `content-length` (present exactly where
 * Python sent one; its value only where Python's is "0", a bodyless POST).
 *
 * Ignored (README "What a port should not try to match"): user-agent, x-stainless-async and the
 * platform headers (x-stainless-lang/-os/-arch/-runtime/-runtime-version), accept-encoding,
 * connection, host, header order, content-length values of bodies, and in telemetry bodies the
 * volatile and Python-specific fields (see compareTelemetryBody).
 */
import type { Json, TranscriptLine } from "./golden.js";
import { isArraySummary, pyArraySha256 } from "./py-json.js";

/** A request as the replay server received it. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: string;
  /** Header values by lower-case name; a header sent twice has two entries. */
  headers: Record<string, string[]>;
  bodyText: string;
}

/** Scenario-wide state of the comparison: the idempotency key bijection. */
export class CompareContext {
  private readonly byRecorded = new Map<string, string>();
  private readonly byOurs = new Map<string, string>();

  /** @param apiKey the key the test configured; `x-api-key: <api-key>` must equal it. */
  constructor(public apiKey: string | ((seq: number) => string)) {}

  /** Records that recorded key `rec` corresponds to our key `ours`; returns a mismatch or null. */
  bindKey(rec: string, ours: string): string | null {
    const prevOurs = this.byRecorded.get(rec);
    const prevRec = this.byOurs.get(ours);
    if (prevOurs !== undefined && prevOurs !== ours) {
      return `x-idempotency-key: recorded ${rec} was sent before with our key ${prevOurs}; now a different key ${ours} (Python reused the key, e.g. an HTTP-layer retry)`;
    }
    if (prevRec !== undefined && prevRec !== rec) {
      return `x-idempotency-key: our key ${ours} was already used for recorded ${prevRec}, but Python used a new key here (${rec})`;
    }
    this.byRecorded.set(rec, ours);
    this.byOurs.set(ours, rec);
    return null;
  }

  /** The API key expected on the given transcript line. */
  expectedKey(seq: number): string {
    return typeof this.apiKey === "function" ? this.apiKey(seq) : this.apiKey;
  }
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return "undefined";
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

/** Deep-compares a recorded JSON value with ours; pushes `path: expected X, got Y` lines. */
export function compareJson(expected: Json, actual: unknown, path: string, out: string[]): void {
  if (isArraySummary(expected)) {
    if (!Array.isArray(actual)) {
      out.push(`${path}: expected an array of ${expected.__array__} items, got ${show(actual)}`);
      return;
    }
    if (actual.length !== expected.__array__) {
      out.push(`${path}: expected ${expected.__array__} items, got ${actual.length}`);
      return;
    }
    const before = out.length;
    expected.head.forEach((h, i) => {
      compareJson(h, actual[i], `${path}[${i}]`, out);
    });
    const tailStart = actual.length - expected.tail.length;
    expected.tail.forEach((t, i) => {
      compareJson(t, actual[tailStart + i], `${path}[${tailStart + i}]`, out);
    });
    if (out.length === before && pyArraySha256(actual, expected) !== expected.sha256_compact_json) {
      out.push(
        `${path}: same length/head/tail but the sha256 of the compact JSON differs (content in the middle)`,
      );
    }
    return;
  }
  if (expected === null || typeof expected !== "object") {
    if (expected !== actual) out.push(`${path}: expected ${show(expected)}, got ${show(actual)}`);
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) {
      out.push(`${path}: expected ${show(expected)}, got ${show(actual)}`);
      return;
    }
    if (actual.length !== expected.length) {
      out.push(
        `${path}: expected ${expected.length} items ${show(expected)}, got ${actual.length} ${show(actual)}`,
      );
      return;
    }
    expected.forEach((e, i) => {
      compareJson(e, actual[i], `${path}[${i}]`, out);
    });
    return;
  }
  if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
    out.push(`${path}: expected ${show(expected)}, got ${show(actual)}`);
    return;
  }
  const act = actual as Record<string, unknown>;
  for (const key of Object.keys(expected)) {
    if (!(key in act)) out.push(`${path}.${key}: missing (expected ${show(expected[key])})`);
    else compareJson(expected[key] as Json, act[key], `${path}.${key}`, out);
  }
  for (const key of Object.keys(act)) {
    if (!(key in expected)) out.push(`${path}.${key}: unexpected key (got ${show(act[key])})`);
  }
}

/** Event fields that are volatile (README normalised them): compared as present strings only. */
const VOLATILE_EVENT_FIELDS = new Set(["event_id", "timestamp", "duration", "traceback"]);
/** Python-specific event fields (README "should not try to match"): compared as present strings only. */
const PYTHON_EVENT_FIELDS = new Set(["error_type", "error_message"]);
/** `event_data` fields that are wall-clock floats: present numbers only. */
const CLOCK_DATA_FIELDS = new Set(["start_time", "current_time", "elapsed_time"]);
/**
 * `event_data` fields that are Python-specific strings (qualnames, reprs, class names, tracebacks):
 * present strings (or null where Python's is null) only.
 */
const PYTHON_DATA_FIELDS = new Set([
  "func",
  "exception",
  "exception_type",
  "exception_stack",
  "message",
  "error_type",
  "model_cls",
]);

function sameKeys(exp: object, act: object, path: string, out: string[]): void {
  const e = Object.keys(exp).sort().join(",");
  const a = Object.keys(act).sort().join(",");
  if (e !== a) out.push(`${path} keys: expected ${e}, got ${a}`);
}

/**
 * Telemetry batch comparison, field by field: the same top-level keys and `session_id` and
 * `sdk_version`; the same number of events; per event the same keys and every value equal except
 * the volatile ones (event_id, timestamp, duration, traceback) and the Python-specific error
 * strings, which must be present strings; in `event_data` the same keys and every value equal
 * except the wall-clock floats (present numbers) and the Python-specific strings (func, exception,
 * exception_type, exception_stack, message, error_type, model_cls). `platform` must be a string.
 */
export function compareTelemetryBody(expected: Json, actual: unknown, out: string[]): void {
  const exp = expected as Record<string, Json>;
  if (actual === null || typeof actual !== "object") {
    out.push(`body: expected a telemetry batch, got ${show(actual)}`);
    return;
  }
  const act = actual as Record<string, unknown>;
  sameKeys(exp, act, "body", out);
  for (const k of ["session_id", "sdk_version"] as const)
    compareJson(exp[k] ?? null, act[k], `body.${k}`, out);
  if (typeof act["platform"] !== "string")
    out.push(`body.platform: expected a string, got ${show(act["platform"])}`);
  const expEvents = exp["events"] as Array<Record<string, Json>>;
  const actEvents = act["events"];
  if (!Array.isArray(actEvents)) {
    out.push(`body.events: expected an array, got ${show(actEvents)}`);
    return;
  }
  const kinds = (evs: Array<Record<string, unknown>>) =>
    evs.map((e) => `${e["event"]}/${e["severity"]}${e["event_name"] ? `/${e["event_name"]}` : ""}`).join(" ");
  if (expEvents.length !== actEvents.length) {
    out.push(
      `body.events: expected ${expEvents.length} events [${kinds(expEvents)}], got ${actEvents.length} [${kinds(actEvents)}]`,
    );
    return;
  }
  expEvents.forEach((e, i) => {
    const a = actEvents[i] as Record<string, unknown>;
    const p = `body.events[${i}]`;
    if (a === null || typeof a !== "object") {
      out.push(`${p}: expected an event, got ${show(a)}`);
      return;
    }
    sameKeys(e, a, p, out);
    for (const [k, ev] of Object.entries(e)) {
      if (!(k in a)) continue;
      if (VOLATILE_EVENT_FIELDS.has(k) || PYTHON_EVENT_FIELDS.has(k)) {
        if (typeof a[k] !== "string") out.push(`${p}.${k}: expected a string, got ${show(a[k])}`);
      } else if (k === "event_data") {
        compareEventData(ev as Record<string, Json>, a[k], `${p}.event_data`, out);
      } else {
        compareJson(ev, a[k], `${p}.${k}`, out);
      }
    }
  });
}

function compareEventData(exp: Record<string, Json>, actual: unknown, p: string, out: string[]): void {
  if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
    out.push(`${p}: expected an object, got ${show(actual)}`);
    return;
  }
  const act = actual as Record<string, unknown>;
  sameKeys(exp, act, p, out);
  for (const [k, ev] of Object.entries(exp)) {
    if (!(k in act)) continue;
    const av = act[k];
    if (CLOCK_DATA_FIELDS.has(k)) {
      // A number; the recording's own "<float>" placeholder (a faithful replay) passes too.
      if (typeof av !== "number" && av !== ev) out.push(`${p}.${k}: expected a number, got ${show(av)}`);
    } else if (PYTHON_DATA_FIELDS.has(k)) {
      if (ev === null ? av !== null : typeof av !== "string")
        out.push(`${p}.${k}: expected ${ev === null ? "null" : "a string"}, got ${show(av)}`);
    } else {
      compareJson(ev, av, `${p}.${k}`, out);
    }
  }
}

function one(headers: Record<string, string[]>, name: string): string | undefined {
  const v = headers[name];
  return v === undefined ? undefined : v.join(", ");
}

function recordedHeader(line: TranscriptLine, name: string): string | undefined {
  const v = line.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

function queryPairs(q: string): string {
  return [...new URLSearchParams(q).entries()]
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join("&");
}

/** Headers the README says a port should not match (Python/httpx/platform specific). */
const IGNORED_HEADERS = new Set([
  "user-agent",
  "x-stainless-async",
  "x-stainless-lang",
  "x-stainless-os",
  "x-stainless-arch",
  "x-stainless-runtime",
  "x-stainless-runtime-version",
  "accept-encoding",
  "connection",
  "host",
]);

function compareHeaders(
  line: TranscriptLine,
  req: ReceivedRequest,
  ctx: CompareContext,
  out: string[],
): void {
  const h = req.headers;
  const rec = (n: string) => recordedHeader(line, n);
  const names = new Set([...Object.keys(line.headers), ...Object.keys(h)]);
  for (const name of [...names].sort()) {
    if (IGNORED_HEADERS.has(name)) continue;
    const e = rec(name);
    const a = one(h, name);
    if (e === undefined && a !== undefined) {
      out.push(`${name}: Python sends none here, got ${show(a)}`);
      continue;
    }
    if (e !== undefined && a === undefined) {
      out.push(`${name}: missing (expected ${show(e)})`);
      continue;
    }
    if (e === undefined || a === undefined) continue;
    if (name === "x-api-key") {
      if (a !== ctx.expectedKey(line.seq))
        out.push(`x-api-key: expected the test key ${show(ctx.expectedKey(line.seq))}, got ${show(a)}`);
    } else if (name === "x-idempotency-key") {
      const err = ctx.bindKey(e, a);
      if (err) out.push(err);
    } else if (e === "<float>") {
      if (!(Number(a) >= 0)) out.push(`${name}: expected a non-negative number, got ${show(a)}`);
    } else if (name === "content-length") {
      if (e === "0" && a !== "0") out.push(`content-length: expected "0" (bodyless POST), got ${show(a)}`);
    } else if (Array.isArray(line.headers[name])) {
      // Python sent the header twice (the archive's two `accept`s): the same values, one or two headers.
      const split = (v: string) =>
        v
          .split(",")
          .map((x) => x.trim())
          .sort()
          .join(", ");
      if (split(e) !== split(a))
        out.push(`${name}: expected ${show(line.headers[name])}, got ${show(h[name])}`);
    } else if (e !== a) {
      out.push(`${name}: expected ${show(e)}, got ${show(a)}`);
    }
  }
}

/** Compares one received request with its transcript line; returns the differences (empty = same). */
export function compareRequest(line: TranscriptLine, req: ReceivedRequest, ctx: CompareContext): string[] {
  const out: string[] = [];
  if (req.method !== line.method) out.push(`method: expected ${line.method}, got ${req.method}`);
  if (req.path !== line.path) out.push(`path: expected ${line.path}, got ${req.path}`);
  if (queryPairs(req.query) !== queryPairs(line.query)) {
    out.push(`query: expected ${show(line.query)}, got ${show(req.query)}`);
  }
  compareHeaders(line, req, ctx, out);
  if (line.body_raw !== undefined) {
    if (req.bodyText !== line.body_raw)
      out.push(`body (raw): expected ${show(line.body_raw)}, got ${show(req.bodyText)}`);
  } else if (line.body === null) {
    if (req.bodyText !== "") out.push(`body: expected none, got ${show(req.bodyText)}`);
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.bodyText);
    } catch {
      out.push(`body: expected JSON ${show(line.body)}, got unparseable ${show(req.bodyText)}`);
      return out;
    }
    if (line.path === "/api/v1/telemetry") compareTelemetryBody(line.body, parsed, out);
    else compareJson(line.body, parsed, "body", out);
  }
  return out;
}
