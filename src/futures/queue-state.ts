import type { QueueState } from "../types/index.js";

/**
 * Called with each queue state a pending poll reports (0.4.1 `on_queue_state_change`), with the
 * server's `queue_state_reason` when it sent one.
 */
export type QueueStateObserver = (state: QueueState, reason?: string) => void;

/** Options for {@link createQueueStateWarner}. */
export interface QueueStateWarnerOptions {
  /** "training" → "Training is paused for <model_id>"; "sampling" → "Sampling is paused for <model_path>". */
  kind: "training" | "sampling";
  /**
   * Name shown in the message, read at warning time: the model id, or the sampler's model path,
   * base model or session id (0.4.1 printed "None" for a sampler without a model path).
   */
  subject: () => string;
  now?: () => number;
  /** Where the warning goes; default `console.warn`. */
  warn?: (message: string) => void;
  /** Minimum gap between two warnings, ms; default 60 000 (0.4.1 QUEUE_STATE_LOG_INTERVAL). */
  intervalMs?: number;
}

/** Warning texts per paused reason, as 0.4.1 words them. */
function reasonText(kind: "training" | "sampling", state: QueueState): string {
  if (state === "paused_capacity") return "out of capacity";
  if (state === "paused_rate_limit") {
    return kind === "training" ? "concurrent models rate limit hit" : "concurrent LoRA rate limit hit";
  }
  return "unknown";
}

/**
 * Per-client queue-state observer: ignores `active`, otherwise warns "<Kind> is paused for <subject>.
 * Reason: <reason>" at most once per `intervalMs`, adding the server's own reason when it gave one
 * and how long the client has been waiting once that is more than zero. One warner per TrainingClient / SamplingClient,
 * so the throttle is per client as in 0.4.1. Unlike 0.4.1 (whose "last logged" starts at epoch 0
 * of the wall clock) the first paused state always warns, whatever the injected clock reads.
 */
export function createQueueStateWarner(options: QueueStateWarnerOptions): QueueStateObserver {
  const now = options.now ?? Date.now;
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const interval = options.intervalMs ?? 60_000;
  const label = options.kind === "training" ? "Training" : "Sampling";
  let lastWarnedAt: number | undefined;
  let pausedSince: number | undefined;
  return (state, serverReason) => {
    if (state === "active") {
      pausedSince = undefined;
      return;
    }
    const t = now();
    pausedSince ??= t;
    if (lastWarnedAt !== undefined && t - lastWarnedAt < interval) return;
    lastWarnedAt = t;
    const why = reasonText(options.kind, state);
    const reason = serverReason ? (state === "unknown" ? serverReason : `${why} (${serverReason})`) : why;
    const waited = Math.round((t - pausedSince) / 1000);
    const waiting = waited > 0 ? `; waiting for ${waited} s so far` : "";
    warn(`${label} is paused for ${options.subject()}. Reason: ${reason}${waiting}`);
  };
}
