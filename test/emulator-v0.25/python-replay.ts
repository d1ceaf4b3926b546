/**
 * Replays what the Python SDK 0.25.0 sent (the golden transcripts) against the emulator: the
 * happy-path lines of a scenario, with the recorded ids and credentials mapped onto the ones the
 * emulator handed out, protobuf bodies re-encoded from their display form (zstd re-compressed), and
 * each answer compared with the recorded one by status and shape.
 */
import type { Emulator } from "../../src/emulator/index.js";
import { mintJwt } from "../../src/emulator/v0_25/jwt-issuer.js";
import type { ClientConfigFlags } from "../../src/protocol/client-config.js";
import { decodeToDisplay, encodeFromDisplay, type PbMessageName } from "../../src/protocol/v0_25/codec.js";
import { zstdCompress } from "../../src/protocol/zstd.js";
import type { Json, MetaV025, TranscriptLineV025 } from "../parity-v0.25/golden.js";
import { isSummary } from "../parity-v0.25/match.js";

/** Recorded ids the emulator mints its own of (sessions, models, samplers, futures, paths, JWTs). */
const RECORDED_ID =
  /tinker:\/\/[^\s"/]+\/(?:sampler_)?weights\/[A-Za-z0-9._-]+|sess-\d+:(?:train|sample):\d+|sess-\d+|req-\d+|run-\d+|<jwt#\d+>/g;

/** Placeholders the recorder put in for credentials and uuids, and what we send instead. */
function credentialFor(placeholder: string): string | undefined {
  if (placeholder === "<api-key>") return "tml-TESTKEY";
  const m = /^<api-key:([A-Za-z0-9]+)>$/.exec(placeholder);
  return m ? `tml-${m[1]}` : undefined;
}

/** Why a poll's future was scripted by the recorder (a fault, a failure, a malformed result), or null. */
function scriptedAnswer(line: TranscriptLineV025, meta: MetaV025): string | null {
  const r = line.response;
  const body = r.body as { [k: string]: Json } | null;
  if (r.status < 200 || r.status >= 300) return `status ${r.status}`;
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "not an object";
  if ("category" in body) return "failure";
  if ("__undecodable__" in body) return "undecodable bytes";
  if ("metrics" in body && (typeof body.metrics !== "object" || body.metrics === null)) return "bad metrics";
  if (body.status === "complete_metadata" && meta.recorder_options?.metadata_only_over_bytes === undefined)
    return "scripted complete_metadata";
  if (r.body_format !== "protobuf" && "loss_fn_outputs" in body) return "JSON for a protobuf type";
  return null;
}

/** How many futures the scenario's control calls scripted. */
export function scriptedFutureCount(meta: MetaV025): number {
  let n = 0;
  for (const c of (meta.control_calls ?? []) as Array<{ [k: string]: Json }>) {
    const scripts = (c.payload as { future_scripts?: Array<{ count: number }> } | null)?.future_scripts;
    for (const s of scripts ?? []) n += s.count;
  }
  return n;
}

/** The lines to replay, and the futures whose polls were scripted (left out with their polls). */
export function happyPath(
  lines: TranscriptLineV025[],
  meta: MetaV025,
): { lines: TranscriptLineV025[]; scripted: Set<string> } {
  const scripted = new Set<string>();
  for (const l of lines) {
    if (l.path !== "/api/v1/retrieve_future") continue;
    const id = (l.body as { request_id: string }).request_id;
    if (scriptedAnswer(l, meta) !== null) scripted.add(id);
  }
  const ok = lines.filter((l) => {
    if (l.response.status < 200 || l.response.status >= 300) return false;
    if (l.path === "/api/v1/retrieve_future")
      return !scripted.has((l.body as { request_id: string }).request_id);
    return true;
  });
  return { lines: ok, scripted };
}

/** Object keys whose value is a map keyed by the server's own names (metric names, session ids). */
const MAPS = new Set(["metrics", "sessions"]);

const isScalar = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";

/**
 * Differences in shape (keys and value types) between a recorded body and the emulator's. Values
 * may differ; null matches any type, and a key recorded as null may be absent (an optional field). In a protobuf body (`proto`) a scalar may
 * be absent on either side: proto3 leaves defaults off the wire (`STOP`, a 0 count).
 */
export function shapeDiff(recorded: Json | undefined, actual: unknown, path = "$", proto = false): string[] {
  if (recorded === null || actual === null || actual === undefined) {
    return recorded === null || actual === null ? [] : [`${path}: missing`];
  }
  if (isSummary(recorded) || Array.isArray(recorded)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    const rec = isSummary(recorded) ? recorded.head : recorded;
    const n = Math.min(rec.length, actual.length);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(...shapeDiff(rec[i], actual[i], `${path}[${i}]`, proto));
    return out;
  }
  if (typeof recorded === "object") {
    if (typeof actual !== "object" || Array.isArray(actual))
      return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    const a = actual as Record<string, unknown>;
    const out: string[] = [];
    if (MAPS.has(path.slice(path.lastIndexOf(".") + 1))) {
      // Keys are the server's: every entry has the shape of a recorded one.
      const model = Object.values(recorded)[0];
      if (model === undefined) return [];
      for (const [k, v] of Object.entries(a)) out.push(...shapeDiff(model, v, `${path}.${k}`, proto));
      return out;
    }
    for (const k of new Set([...Object.keys(recorded), ...Object.keys(a)])) {
      // A field recorded as null is optional: the emulator may leave it out.
      const optional = recorded[k] === null || (proto && isScalar(k in a ? a[k] : recorded[k]));
      if (!(k in a)) {
        if (!optional) out.push(`${path}.${k}: missing (recorded ${JSON.stringify(recorded[k])})`);
      } else if (!(k in recorded)) {
        if (!optional) out.push(`${path}.${k}: not recorded (${JSON.stringify(a[k])})`);
      } else out.push(...shapeDiff(recorded[k], a[k], `${path}.${k}`, proto));
    }
    return out;
  }
  // NaN is shown as "NaN" in packed float arrays.
  if (typeof recorded === "string" && recorded === "NaN" && typeof actual === "number") return [];
  return typeof recorded === typeof actual
    ? []
    : [`${path}: ${typeof actual} ${JSON.stringify(actual)} where ${typeof recorded} was recorded`];
}

/** What the replay answers and checks for one line. */
export interface ReplayedLine {
  seq: number;
  path: string;
  status: number;
  diffs: string[];
  polls?: number;
}

/** One replay of one scenario against one emulator. */
export class PythonReplay {
  /** Recorded id → the emulator's. */
  readonly ids = new Map<string, string>();
  readonly results: ReplayedLine[] = [];

  constructor(
    private readonly emu: Emulator,
    /** Creates a model in the emulator for a recorded id the scenario never created (recorder state). */
    private readonly seedModel: () => Promise<string>,
    /** A sampler checkpoint in the emulator for a recorded `model_path` the scenario never saved. */
    private readonly seedSamplerPath: () => Promise<string>,
    /** The full display body of a line whose recorded body is summarised (large arrays). */
    private readonly fullBody: (line: TranscriptLineV025) => Json = (l) => l.body,
  ) {}

  /** Maps the recorded ids in a string (unknown ones stay as recorded). */
  mapString(s: string): string {
    const whole = this.ids.get(s) ?? credentialFor(s);
    if (whole !== undefined) return whole;
    let out = s.replace(RECORDED_ID, (m) => this.ids.get(m) ?? m);
    // A path built by the client from a model id: `tinker://<model>/weights/<name>`.
    out = out.replace(/sess-\d+:(?:train|sample):\d+/g, (m) => this.ids.get(m) ?? m);
    return out.replace(/<uuid#(\d+)>/g, (_m, n: string) => `00000000-0000-4000-8000-${n.padStart(12, "0")}`);
  }

  mapJson(v: Json): Json {
    if (typeof v === "string") return this.mapString(v);
    if (Array.isArray(v)) return v.map((x) => this.mapJson(x));
    if (v !== null && typeof v === "object") {
      const out: { [k: string]: Json } = {};
      for (const [k, x] of Object.entries(v)) out[this.mapString(k)] = this.mapJson(x);
      return out;
    }
    return v;
  }

  /** The recorded body with ids used as object keys mapped (e.g. billing's `sessions` map). */
  private mapKeys(v: Json): Json {
    if (Array.isArray(v)) return v.map((x) => this.mapKeys(x));
    if (v === null || typeof v !== "object" || isSummary(v)) return v;
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) out[this.mapString(k)] = this.mapKeys(x);
    return out;
  }

  /** Learns recorded → emulator ids from a recorded answer and the emulator's. */
  learn(recorded: Json | undefined, actual: unknown): void {
    if (typeof recorded === "string" && typeof actual === "string") {
      const m = recorded.match(RECORDED_ID);
      if (m && m[0] === recorded && !this.ids.has(recorded)) this.ids.set(recorded, actual);
      return;
    }
    if (Array.isArray(recorded) && Array.isArray(actual)) {
      recorded.forEach((r, i) => {
        this.learn(r, actual[i]);
      });
      return;
    }
    if (recorded && actual && typeof recorded === "object" && typeof actual === "object") {
      for (const [k, r] of Object.entries(recorded)) this.learn(r, (actual as Record<string, unknown>)[k]);
    }
  }

  /** Recorded model/run ids a line uses that the scenario never got from the server: seeded. */
  private async seedUnknown(line: TranscriptLineV025): Promise<void> {
    const text = `${line.path} ${line.query} ${JSON.stringify(line.body)}`;
    for (const m of text.match(/tinker:\/\/run-\d+:train:\d+\/sampler_weights\/[A-Za-z0-9._-]+/g) ?? []) {
      if (!this.ids.has(m)) this.ids.set(m, await this.seedSamplerPath());
    }
    for (const m of text.match(/sess-\d+:train:\d+|run-\d+/g) ?? []) {
      if (!this.ids.has(m)) this.ids.set(m, await this.seedModel());
    }
    const jwt = String(line.headers["x-api-key"] ?? "");
    // A JWT the caller brought (e.g. passed as api_key): one the service issued earlier.
    if (/^<jwt#\d+>$/.test(jwt) && !this.ids.has(jwt)) this.ids.set(jwt, mintJwt(this.emu.v025));
  }

  private async request(line: TranscriptLineV025, body: Json): Promise<Response> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(line.headers)) {
      if (["host", "content-length", "connection", "accept-encoding"].includes(k)) continue;
      headers[k] = this.mapString(Array.isArray(v) ? v.join(", ") : v);
    }
    let payload: Uint8Array | string | undefined;
    if (line.body_format === "protobuf") {
      const bytes = encodeFromDisplay(this.mapJson(body) as Parameters<typeof encodeFromDisplay>[0]);
      payload = line.content_encoding === "zstd" ? await zstdCompress(bytes) : bytes;
    } else if (body !== null && line.method !== "GET") {
      payload = JSON.stringify(this.mapJson(body));
    }
    const query = new URLSearchParams(
      line.query_params.map(([k, v]): [string, string] => [k, this.mapString(v)]),
    );
    const qs = query.toString();
    const path = line.path
      .split("/")
      .map((seg) => encodeURIComponent(this.mapString(decodeURIComponent(seg))))
      .join("/");
    return fetch(`${this.emu.url}${path}${qs ? `?${qs}` : ""}`, {
      method: line.method,
      headers,
      body: payload,
    });
  }

  private static async read(res: Response, recorded: Json): Promise<unknown> {
    const bytes = new Uint8Array(await res.arrayBuffer());
    if ((res.headers.get("content-type") ?? "").includes("application/x-protobuf")) {
      const name = (recorded as { __message__?: string } | null)?.__message__ as PbMessageName | undefined;
      if (name === undefined) return { __protobuf__: bytes.byteLength };
      return decodeToDisplay(name, bytes);
    }
    const text = Buffer.from(bytes).toString("utf8");
    return text === "" ? null : JSON.parse(text);
  }

  /** Sends one line (a poll: until the future is done, as the SDK does) and checks the answer. */
  async replay(line: TranscriptLineV025): Promise<void> {
    await this.seedUnknown(line);
    const rec = line.response;
    if (line.path === "/api/v1/client/config")
      this.emu.v025.setClientConfig(rec.body as unknown as ClientConfigFlags);
    if (line.path === "/api/v1/client/dynamic_config")
      this.emu.v025.dynamicConfig = (rec.body as { refresh_interval_sec: number }).refresh_interval_sec;
    const isPoll = line.path === "/api/v1/retrieve_future";
    const recordedTryAgain = isPoll && (rec.body as { type?: string }).type === "try_again";
    if (isPoll) {
      const metadataOnly = (rec.body as { status?: string }).status === "complete_metadata";
      this.emu.v025.metadataOnlyOverBytes = metadataOnly ? 0 : undefined;
    }
    let polls = 0;
    let res: Response;
    let body: unknown;
    for (;;) {
      res = await this.request(line, this.fullBody(line));
      body = await PythonReplay.read(res, rec.body);
      polls += 1;
      const pending = res.status === 408 || (body as { type?: string } | null)?.type === "try_again";
      // A recorded try_again is satisfied by a try_again or by the finished result.
      if (!isPoll || !pending || recordedTryAgain || polls >= 300) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const diffs: string[] = [];
    if (res.status !== rec.status)
      diffs.push(`status ${res.status} != ${rec.status}: ${JSON.stringify(body)}`);
    else if (!recordedTryAgain || (body as { type?: string } | null)?.type === "try_again") {
      diffs.push(...shapeDiff(this.mapKeys(rec.body), body, "$", rec.body_format === "protobuf"));
      if (line.path === "/api/v1/client/config" && JSON.stringify(body) !== JSON.stringify(rec.body))
        diffs.push("client/config answer differs from the recorded flags");
    }
    if (diffs.length === 0) this.learn(rec.body, body);
    this.results.push({ seq: line.seq, path: line.path, status: res.status, diffs, polls });
  }
}
