/**
 * Compares a request tinker-ts sent with the request the Python SDK 0.4.1 sent in the same place
 * of a golden transcript, on the things that carry meaning (golden README "What a port should not
 * try to match" lists what is ignored). Every difference becomes one readable line.
 *
 * Compared: method, path (raw, so `weights/0001` must stay unescaped), query (as a multiset of
 * pairs), the parsed JSON body (Python `1.0` equals our `1`; summarised arrays by length, head,
 * tail and a Python-compatible sha256), and the headers: `x-api-key`, `x-stainless-retry-count`,
 * `x-stainless-read-timeout` (as a number: Python's "5.0" is our "5"), `x-idempotency-key` presence
 * and identity (`stainless-python-retry-<uuid#N>`: same N ⇔ same key of ours, a bijection over
 * the whole scenario), every `x-tinker-*` header (the roundtrip-time one only as a non-negative
 * number), `cf-access-client-*`, `accept` (as a set of media types: Python's two `accept`
 * headers equal one comma-joined header), `content-type` presence/value, and `content-length: 0`
 * on a bodyless POST.
 *
 * Ignored: user-agent, x-stainless-async/-lang/-os/-arch/-runtime*, x-stainless-package-version,
 * x-stainless-raw-response (an internal marker of the Python client), accept-encoding, connection,
 * host, header order, content-length values, and in telemetry bodies the volatile and
 * Python-specific fields (see compareTelemetryBody).
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

/** Telemetry event fields whose values carry meaning (server data, status, ids, counters). */
const TELEMETRY_DATA_KEYS = [
  "request_id",
  "request_type",
  "status_code",
  "should_retry",
  "is_retryable",
  "is_user_error",
  "iteration",
  "attempt_count",
  "error",
  "error_category",
  "body",
] as const;

/**
 * Telemetry batch comparison. Compared: the top-level keys, `session_id`, `sdk_version`, and per
 * event `event`, `severity`, `event_session_index`, the presence of the volatile string fields
 * (`event_id`, `timestamp`, `duration`, `error_type`/`error_message`/`traceback`, `event_name`), and
 * in `event_data` the values of TELEMETRY_DATA_KEYS. Skipped (Python-specific, README): `platform`,
 * `event_name` values, `func`, `exception`, `exception_type`, `exception_stack`, `message`,
 * `error_type`/`error_message` values, `model_cls`, `traceback`, and the wall-clock floats.
 */
export function compareTelemetryBody(expected: Json, actual: unknown, out: string[]): void {
  const exp = expected as Record<string, Json>;
  if (actual === null || typeof actual !== "object") {
    out.push(`body: expected a telemetry batch, got ${show(actual)}`);
    return;
  }
  const act = actual as Record<string, unknown>;
  const keys = (o: object) => Object.keys(o).sort().join(",");
  if (keys(exp) !== keys(act)) out.push(`body keys: expected ${keys(exp)}, got ${keys(act)}`);
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
    evs.map((e) => `${e["event"]}/${e["severity"]}`).join(" ");
  if (expEvents.length !== actEvents.length) {
    out.push(
      `body.events: expected ${expEvents.length} events [${kinds(expEvents)}], got ${actEvents.length} [${kinds(actEvents)}]`,
    );
    return;
  }
  expEvents.forEach((e, i) => {
    const a = actEvents[i] as Record<string, unknown>;
    const p = `body.events[${i}]`;
    for (const k of ["event", "severity", "event_session_index"])
      compareJson(e[k] ?? null, a?.[k], `${p}.${k}`, out);
    for (const k of [
      "event_id",
      "timestamp",
      "duration",
      "error_type",
      "error_message",
      "traceback",
      "event_name",
    ]) {
      if (k in e && typeof a?.[k] !== "string") out.push(`${p}.${k}: expected a string, got ${show(a?.[k])}`);
    }
    const ed = e["event_data"] as Record<string, Json> | undefined;
    if (ed !== undefined) {
      const ad = a?.["event_data"] as Record<string, unknown> | undefined;
      if (ad === null || typeof ad !== "object") {
        out.push(`${p}.event_data: missing`);
        return;
      }
      for (const k of TELEMETRY_DATA_KEYS) {
        if (k in ed) compareJson(ed[k] as Json, ad[k], `${p}.event_data.${k}`, out);
      }
    }
  });
}

function one(headers: Record<string, string[]>, name: string): string | undefined {
  const v = headers[name];
  return v === undefined ? undefined : v.join(", ");
}

function recordedHeader(line: TranscriptLine, name: string): string | undefined {
  const v = line.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

function mediaTypes(v: string | undefined): string {
  return (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .sort()
    .join(", ");
}

function queryPairs(q: string): string {
  return [...new URLSearchParams(q).entries()]
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join("&");
}

function compareHeaders(
  line: TranscriptLine,
  req: ReceivedRequest,
  ctx: CompareContext,
  out: string[],
): void {
  const h = req.headers;
  const rec = (n: string) => recordedHeader(line, n);
  if (rec("x-api-key") !== undefined && one(h, "x-api-key") !== ctx.expectedKey(line.seq)) {
    out.push(
      `x-api-key: expected the test key ${show(ctx.expectedKey(line.seq))}, got ${show(one(h, "x-api-key"))}`,
    );
  }
  if (one(h, "x-stainless-retry-count") !== rec("x-stainless-retry-count")) {
    out.push(
      `x-stainless-retry-count: expected ${show(rec("x-stainless-retry-count"))}, got ${show(one(h, "x-stainless-retry-count"))}`,
    );
  }
  const rt = rec("x-stainless-read-timeout");
  const ourRt = one(h, "x-stainless-read-timeout");
  if ((rt === undefined) !== (ourRt === undefined) || (rt !== undefined && Number(rt) !== Number(ourRt))) {
    out.push(`x-stainless-read-timeout: expected ${show(rt)} (numerically), got ${show(ourRt)}`);
  }
  const recKey = rec("x-idempotency-key");
  const ourKey = one(h, "x-idempotency-key");
  if (recKey === undefined && ourKey !== undefined)
    out.push(`x-idempotency-key: Python sends none here (GET), got ${show(ourKey)}`);
  if (recKey !== undefined && ourKey === undefined)
    out.push(`x-idempotency-key: missing (Python sends one on every non-GET)`);
  if (recKey !== undefined && ourKey !== undefined) {
    const err = ctx.bindKey(recKey, ourKey);
    if (err) out.push(err);
  }
  const tinkerNames = new Set([
    ...Object.keys(line.headers).filter((n) => n.startsWith("x-tinker-")),
    ...Object.keys(h).filter((n) => n.startsWith("x-tinker-")),
  ]);
  for (const name of [...tinkerNames].sort()) {
    const e = rec(name);
    const a = one(h, name);
    if (e === "<float>") {
      if (a === undefined || !(Number(a) >= 0))
        out.push(`${name}: expected a non-negative number, got ${show(a)}`);
    } else if (e !== a) {
      out.push(`${name}: expected ${show(e)}, got ${show(a)}`);
    }
  }
  for (const name of ["cf-access-client-id", "cf-access-client-secret", "content-type"]) {
    if (rec(name) !== one(h, name))
      out.push(`${name}: expected ${show(rec(name))}, got ${show(one(h, name))}`);
  }
  if (mediaTypes(rec("accept")) !== mediaTypes(one(h, "accept"))) {
    out.push(`accept: expected ${show(line.headers["accept"])}, got ${show(h["accept"])}`);
  }
  if (rec("content-length") === "0" && one(h, "content-length") !== "0") {
    out.push(`content-length: expected "0" (bodyless POST), got ${show(one(h, "content-length"))}`);
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
