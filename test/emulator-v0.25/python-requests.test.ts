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
import { loadMetaV025, loadTranscriptV025, SCENARIOS_V025 } from "../parity-v0.25/golden.js";
import { session025 } from "./helpers.js";
import { happyPath, PythonReplay, scriptedFutureCount } from "./python-replay.js";

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
      const { lines: happy, scripted } = happyPath(lines, meta);
      // The futures left out are exactly the ones the recorder's control calls scripted.
      expect(scripted.size).toBe(scriptedFutureCount(meta));
      const opts = meta.recorder_options ?? {};
      const ttls = (meta.control_calls ?? [])
        .map((c) => (c as { payload?: { jwt_ttls?: number[] } }).payload?.jwt_ttls)
        .filter((t): t is number[] => Array.isArray(t));
      emu = await startEmulator({
        pollHoldMs: 20,
        v025: { jwtTtlSeconds: ttls.at(-1) ?? (opts.jwt_ttls as number[] | undefined) },
      });
      const e = emu;
      const replay = new PythonReplay(e, async () => (await session025(e)).modelId);
      for (const line of happy) await replay.replay(line, meta);
      const failed = replay.results.filter((r) => r.diffs.length > 0);
      expect(failed.map((r) => `seq ${r.seq} ${r.path}: ${r.diffs.join("; ")}`)).toEqual([]);
      expect(replay.results).toHaveLength(happy.length);
    });
  }
});
