/**
 * The chaos run shared by the short test (npm test) and the soak (npm run soak): a training loop and
 * a burst of samples against the emulator while ~10% of requests fail in every way the real service
 * can fail. The emulator's request log is the witness of what landed.
 */
import { type Emulator, type FaultShape, startEmulator } from "../../src/emulator/index.js";
import {
  type Datum,
  ModelInput,
  type SampleResponse,
  ServiceClient,
  TensorData,
  TinkerError,
} from "../../src/index.js";

/** Client timeout of the run; the "slow" faults answer after it. */
export const CHAOS_TIMEOUT_MS = 300;

const ANY_ROUTE: FaultShape[] = [
  { status: 429, retryAfterMs: 5 },
  { status: 500 },
  { status: 503 },
  { reset: true },
  { delayMs: CHAOS_TIMEOUT_MS + 150 },
  // Applied, then answered too late: the retry must be answered from the idempotency store.
  { stallAnswerMs: CHAOS_TIMEOUT_MS + 150 },
  { tryAgain: { queueState: "active" } },
  { tryAgain: { queueState: "paused_rate_limit" } },
  { tryAgain: { queueState: "paused_capacity" } },
];

/** Faults during training; 410 is left out because 0.4.1 does not re-submit an expired training future. */
export const TRAINING_MIX: readonly FaultShape[] = ANY_ROUTE;
/** Faults during sampling, where an expired future (410) is re-sampled. */
export const SAMPLING_MIX: readonly FaultShape[] = [
  ...ANY_ROUTE,
  { status: 410, body: { detail: "expired" } },
];

/** What a chaos run observed. */
export interface ChaosReport {
  /** seq_ids of forward_backward / optim_step the emulator accepted, in arrival order. */
  acceptedSeqIds: number[];
  /** Distinct seq_ids the client sent (any attempt), ascending. */
  sentSeqIds: number[];
  /** Accepted training requests per path. */
  acceptedByPath: Record<string, number>;
  losses: number[];
  samplesOk: number;
  /** Samples that failed, by error class; all must be TinkerErrors. */
  sampleErrors: Record<string, number>;
  untypedErrors: unknown[];
  faultsInjected: number;
  /** Training requests the emulator refused as duplicate or late (stale copies of re-sent requests). */
  seqViolations: number;
  /** Training calls the client saw succeed / fail, per path. */
  reportedOk: Record<string, number>;
  reportedFailed: Record<string, number>;
  /** Request ids the emulator applied whose call the client saw fail (must be empty). */
  appliedButReportedFailed: string[];
  /** Request ids the client saw succeed that the emulator never applied (must be empty). */
  reportedButNotApplied: string[];
  /** Training submits answered from the idempotency store instead of being run again. */
  replays: number;
}

/**
 * Accelerated time: a back-off shorter than 10 s takes 2 ms of real time and moves the clock the
 * SDK reads forward by the rest, so loops that wait "until" a moment (the shared sampling back-off)
 * see it pass. The 10 s heartbeat and the progress watchdog keep real time.
 */
function acceleratedTime() {
  let skipped = 0;
  const now = () => Date.now() + skipped;
  const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const real = ms >= 10_000 ? ms : Math.min(ms, 2);
      const timer = setTimeout(() => {
        skipped += ms - real;
        resolve();
      }, real);
      timer.unref();
      signal?.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  return { now, sleep };
}

function datum(step: number): Datum {
  const tokens = [...Buffer.from(`step ${step}: the cat sat on the mat.`)];
  return {
    model_input: ModelInput.fromInts(tokens.slice(0, -1)),
    loss_fn_inputs: { target_tokens: TensorData.fromArray(tokens.slice(1), "int64") },
  };
}

/** Run `steps` training steps, then `samples` samples (≤ 400 in flight), under random faults. */
export async function runChaos(opts: {
  steps: number;
  samples: number;
  seed: number;
  rate?: number;
}): Promise<ChaosReport> {
  const emulator: Emulator = await startEmulator({
    pollHoldMs: 20,
    seed: opts.seed,
    randomFaults: { rate: opts.rate ?? 0.1, mix: TRAINING_MIX },
  });
  const service = new ServiceClient({
    apiKey: "tml-CHAOS",
    baseUrl: emulator.url,
    timeout: CHAOS_TIMEOUT_MS,
    telemetry: false,
    warn: () => {},
    // Under an accelerated clock every retry soon passes the 30 s warning threshold: hundreds of
    // expected warnings that would bury the CI log. Errors still print.
    logLevel: "error",
    deps: acceleratedTime(),
  });
  const report: ChaosReport = {
    acceptedSeqIds: [],
    sentSeqIds: [],
    acceptedByPath: {},
    losses: [],
    samplesOk: 0,
    sampleErrors: {},
    untypedErrors: [],
    faultsInjected: 0,
    seqViolations: 0,
    reportedOk: {},
    reportedFailed: {},
    appliedButReportedFailed: [],
    reportedButNotApplied: [],
    replays: 0,
  };
  try {
    const training = await service.createLoraTrainingClient("tinker-ts/tiny-lm", { rank: 4, seed: 1 });
    // What the client was told, per call: success with the request id, or failure.
    const okIds = new Set<string>();
    const failedIds = new Set<string>();
    const note = (path: string, r: PromiseSettledResult<unknown>, requestId: string | undefined) => {
      const bucket = r.status === "fulfilled" ? report.reportedOk : report.reportedFailed;
      bucket[path] = (bucket[path] ?? 0) + 1;
      if (requestId !== undefined) (r.status === "fulfilled" ? okIds : failedIds).add(requestId);
      if (r.status === "rejected" && !(r.reason instanceof TinkerError)) report.untypedErrors.push(r.reason);
    };
    for (let step = 0; step < opts.steps; step++) {
      const fb = training.forwardBackward([datum(step)], "cross_entropy");
      const opt = training.optimStep({ learning_rate: 1e-2 });
      const [fbR, optR] = await Promise.allSettled([fb, opt]);
      note("/api/v1/forward_backward", fbR, fb.requestId);
      note("/api/v1/optim_step", optR, opt.requestId);
      if (fbR.status === "fulfilled") report.losses.push(fbR.value.metrics["loss:sum"] ?? Number.NaN);
    }
    const sent = new Set<number>();
    for (const e of emulator.log.entries) {
      const isTraining = e.path === "/api/v1/forward_backward" || e.path === "/api/v1/optim_step";
      if (!isTraining) continue;
      sent.add((e.body as { seq_id: number }).seq_id);
      if (e.replayed) report.replays++;
    }
    report.sentSeqIds = [...sent].sort((a, b) => a - b);
    // The emulator's record of work it ran is the witness of what was applied.
    const appliedIds = new Set<string>();
    for (const a of emulator.log.applied) {
      if (a.path !== "/api/v1/forward_backward" && a.path !== "/api/v1/optim_step") continue;
      appliedIds.add(a.requestId);
      report.acceptedSeqIds.push(a.seqId ?? -1);
      report.acceptedByPath[a.path] = (report.acceptedByPath[a.path] ?? 0) + 1;
      if (!okIds.has(a.requestId)) report.appliedButReportedFailed.push(a.requestId);
    }
    for (const id of okIds) if (!appliedIds.has(id)) report.reportedButNotApplied.push(id);
    // A call that failed before its request id was known cannot be matched by id: count them too.
    const reportedFailedTotal = Object.values(report.reportedFailed).reduce((a, b) => a + b, 0);
    if (reportedFailedTotal > failedIds.size && appliedIds.size > okIds.size) {
      report.appliedButReportedFailed.push(`${appliedIds.size - okIds.size} applied call(s) without an id`);
    }
    report.seqViolations = emulator.log.seqViolations.length;

    emulator.faults.setRandom({ rate: opts.rate ?? 0.1, mix: SAMPLING_MIX });
    const sampler = await service.createSamplingClient({ baseModel: "tinker-ts/tiny-lm" });
    const prompt = ModelInput.fromInts([...Buffer.from("the cat")]);
    const results = await Promise.allSettled(
      Array.from({ length: opts.samples }, (_, i) =>
        sampler.sample(prompt, 1, { max_tokens: 4, seed: i, temperature: 1 }),
      ),
    );
    for (const r of results) {
      if (r.status === "fulfilled") {
        if ((r.value as SampleResponse).sequences.length === 1) report.samplesOk++;
      } else if (r.reason instanceof TinkerError) {
        const name = r.reason.constructor.name;
        report.sampleErrors[name] = (report.sampleErrors[name] ?? 0) + 1;
      } else {
        report.untypedErrors.push(r.reason);
      }
    }
    report.faultsInjected = emulator.faults.injected;
  } finally {
    await service.close();
    await emulator.close();
  }
  return report;
}
