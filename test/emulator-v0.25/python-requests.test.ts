/**
 * Issue #18 item 4 without the Python SDK on this machine: every happy-path request the official
 * Python SDK 0.25.0 sent in the golden scenarios (answered 2xx, not by an injected fault, not a poll
 * of a future the recorder scripted) is sent, in recorded order, to a fresh emulator — same method,
 * path, query, headers and body (protobuf re-encoded from the display, zstd re-compressed), with the
 * recorded ids, `<jwt#N>` and `<api-key>` mapped onto what the emulator handed out earlier in the
 * replay. The emulator must answer the recorded status and a body of the recorded shape.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { shapeOnlyEngine } from "./shape-only-engine.js";
import { loadMetaV025, loadTranscriptV025, SCENARIOS_V025 } from "../parity-v0.25/golden.js";
import { createTinyEngine } from "../../src/emulator/model/index.js";
import { decodeToDisplay } from "../../src/protocol/v0_25/codec.js";
import { encodeForwardBackwardRequest } from "../../src/protocol/v0_25/forward-backward-request.js";
import { forwardBackwardRequestToPb } from "../../src/protocol/v0_25/from-sdk.js";
import { checkProtobufRequest } from "../parity-v0.25/bodies.js";
import { chunkingRequestData } from "../parity-v0.25/chunking-data.js";
import type { Json, TranscriptLineV025 } from "../parity-v0.25/golden.js";
import { call, session025, settle } from "./helpers.js";
import { happyPath, PythonReplay, scriptedFutureCount } from "./python-replay.js";

/**
 * Requests the Python SDK sent that the service would refuse, and the recorder (which checks no loss
 * inputs) accepted: left out, with the reason.
 */
const REFUSED: Partial<Record<string, Record<number, string>>> = {
  training_zstd: {
    11: "importance_sampling without the logprobs and advantages the loss needs (the emulator answers 400)",
    12: "the poll of seq 11's future",
  },
};

/** Happy-path requests per scenario (of the transcript's lines; the rest are faults and scripted polls). */
const REPLAYED: Record<string, number> = {
  handshake: 17,
  training_proto: 28,
  training_zstd: 13,
  chunking: 26,
  chunking_serial: 27,
  sampling_proto: 33,
  budgets: 38,
  retries: 24,
  futures: 34,
  billing: 15,
  jwt_auth: 19,
  credentials: 8,
  weights_state: 42,
  rest: 39,
  telemetry: 12,
  heartbeat: 7,
  lowlevel: 6,
};

/** The full body of a `chunking` line the transcript summarises, rebuilt and checked against it. */
function chunkingBody(line: TranscriptLineV025): Json {
  const data = chunkingRequestData(line.seq);
  if (data === undefined) return line.body;
  const b = line.body as { model_id: string; seq_id: number; loss_fn: string; forward_only?: boolean };
  const bytes = encodeForwardBackwardRequest(forwardBackwardRequestToPb({ ...b, data }));
  const diffs = checkProtobufRequest(line, bytes);
  if (diffs.length > 0) throw new Error(`chunking seq ${line.seq} rebuilt wrongly: ${diffs.join("; ")}`);
  return decodeToDisplay("tinker_public.ForwardBackwardRequest", bytes) as Json;
}

/** The base models a scenario's server serves: its capabilities answer and every base_model sent. */
function servedModels(lines: TranscriptLineV025[]): string[] {
  const out = new Set<string>(["Qwen/Qwen3-8B"]);
  for (const l of lines) {
    const caps = (l.response.body as { supported_models?: Array<{ model_name: string }> } | null)
      ?.supported_models;
    for (const m of Array.isArray(caps) ? caps : []) out.add(m.model_name);
    const base = (l.body as { base_model?: unknown } | null)?.base_model;
    if (typeof base === "string") out.add(base);
  }
  return [...out];
}

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

describe("the Python SDK 0.25.0's requests, replayed against the emulator", () => {
  for (const name of SCENARIOS_V025) {
    it(name, async () => {
      const lines = loadTranscriptV025(name);
      const meta = loadMetaV025(name);
      const { lines: replayed, scripted } = happyPath(lines, meta);
      const refused = REFUSED[name] ?? {};
      const happy = replayed.filter((l) => refused[l.seq] === undefined);
      expect(happy.length).toBe(REPLAYED[name]);
      // The futures left out are exactly the ones the recorder's control calls scripted.
      expect(scripted.size).toBe(scriptedFutureCount(meta));
      const opts = meta.recorder_options ?? {};
      const ttls = (meta.control_calls ?? [])
        .map((c) => (c as { payload?: { jwt_ttls?: number[] } }).payload?.jwt_ttls)
        .filter((t): t is number[] => Array.isArray(t));
      emu = await startEmulator({
        pollHoldMs: 1_000,
        // Parallel chunk submits wait for their seq_id turn as long as the replay needs.
        v025: {
          jwtTtlSeconds: ttls.at(-1) ?? (opts.jwt_ttls as number[] | undefined),
          chunkTurnWaitMs: 60_000,
        },
        // Acceptance, not learning: huge batches are answered by shape (see shape-only-engine.ts).
        engine: shapeOnlyEngine(createTinyEngine({ supportedModels: servedModels(lines) })),
      });
      const e = emu;
      const seedSamplerPath = async () => {
        const { modelId } = await session025(e);
        const sub = await call(e, "POST", "/api/v1/save_weights_for_sampler", {
          model_id: modelId,
          path: "seeded",
          seq_id: 1,
          type: "save_weights_for_sampler",
        });
        return (await settle(e, sub.body.request_id)).body.path as string;
      };
      // Rebuilt before the replay, so chunk submits follow one another as quickly as the SDK's did.
      const full = new Map(name === "chunking" ? happy.map((l) => [l.seq, chunkingBody(l)] as const) : []);
      const replay = new PythonReplay(
        e,
        async () => (await session025(e)).modelId,
        seedSamplerPath,
        (l) => (full.has(l.seq) ? (full.get(l.seq) as Json) : l.body),
      );
      for (const line of happy) await replay.replay(line);
      const failed = replay.results.filter((r) => r.diffs.length > 0);
      expect(failed.map((r) => `seq ${r.seq} ${r.path}: ${r.diffs.join("; ")}`)).toEqual([]);
      expect(replay.results).toHaveLength(happy.length);
    }, 120_000);
  }
});
