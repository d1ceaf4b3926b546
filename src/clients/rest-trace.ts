/**
 * The wait of `RestClient.exportSessionTrace`: the server builds a Perfetto trace while answering
 * `pending`; the SDK polls every 5 s until `ready` (0.25.0, fact 22) and says once that it waits.
 * Unlike the SDK's unbounded loop, this one gives up after `maxWaitMs` (default 30 min).
 */
import { notePhase } from "../core/deadline.js";
import { APITimeoutError, TinkerError, ValidationError } from "../errors/index.js";
import type { Deps } from "../lib/deps.js";
import type { TraceExportStatus } from "../types/rest-responses.js";

/** The 0.25.0 SDK's poll interval. */
export const TRACE_EXPORT_POLL_INTERVAL_MS = 5_000;
/** Default bound of the whole wait. */
export const TRACE_EXPORT_MAX_WAIT_MS = 30 * 60_000;

/** How `exportSessionTrace` waits (besides the call's `timeout` and `signal`). */
export interface TraceExportWaitOptions {
  /** Between two polls while the trace is `pending` (default 5 000 ms, as the SDK). */
  pollIntervalMs?: number;
  /** Give up with `APITimeoutError` once this much time has passed (default 30 min). */
  maxWaitMs?: number;
}

/** Polls with `poll` until the export is ready; resolves to the signed URL. */
export async function waitForTraceExport(
  sessionId: string,
  poll: () => Promise<TraceExportStatus>,
  deps: Pick<Deps, "now" | "sleep">,
  warn: (message: string) => void,
  o: TraceExportWaitOptions,
  signal: AbortSignal | undefined,
): Promise<string> {
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) {
      throw new ValidationError(k, `must be a non-negative number of ms, got ${String(v)}`);
    }
  }
  const interval = o.pollIntervalMs ?? TRACE_EXPORT_POLL_INTERVAL_MS;
  const maxWait = o.maxWaitMs ?? TRACE_EXPORT_MAX_WAIT_MS;
  const started = deps.now();
  for (let polls = 1; ; polls++) {
    notePhase(`polling the trace export of session ${sessionId} (poll ${polls})`);
    const answer = await poll();
    if (answer.status === "ready") return answer.url as string;
    if (answer.status === "failed") {
      throw new TinkerError(
        `Trace export failed for session ${sessionId}: ${answer.error ?? "unknown error"}`,
      );
    }
    if (polls === 1) warn(`Building trace export for session: ${sessionId} (this may take a while)`);
    const waited = deps.now() - started;
    if (waited + interval > maxWait) {
      throw new APITimeoutError(
        `Trace export of session ${sessionId} still pending after ${polls} polls (${Math.round(waited / 1000)} s); maxWaitMs is ${maxWait}`,
      );
    }
    notePhase(
      `waiting ${interval} ms for the trace export of session ${sessionId} (pending after poll ${polls})`,
    );
    await deps.sleep(interval, signal);
  }
}
