/**
 * A training run's log directory, laid out as the cookbook's: `checkpoints.jsonl` (one record per
 * saved checkpoint, the last one with a `state_path` is where a run resumes), `metrics.jsonl` (one
 * line per step) and a one-line progress report per step.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TrainingClient } from "../clients/training-client.js";

/** One line of `checkpoints.jsonl` (cookbook `CheckpointRecord`); extra loop-state keys are kept. */
export interface CheckpointRecord {
  readonly name: string;
  /** Steps done when the checkpoint was taken: the step a resumed run starts at. */
  readonly batch?: number;
  readonly epoch?: number;
  readonly final?: boolean;
  readonly state_path?: string;
  readonly sampler_path?: string;
  readonly [key: string]: unknown;
}

/** Name of the checkpoint record file in a run's log directory. */
export const CHECKPOINTS_FILE = "checkpoints.jsonl";
/** Name of the per-step metrics file in a run's log directory. */
export const METRICS_FILE = "metrics.jsonl";

/** Parsed JSON lines of a file; a torn last line (a run killed mid-write) is skipped. */
function readJsonLines(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  const out: Record<string, unknown>[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (v && typeof v === "object" && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    } catch {
      // Only a torn final write can be unparsable; the record it held was never complete.
    }
  }
  return out;
}

/** Every record of `logPath/checkpoints.jsonl`, oldest first. */
export function readCheckpoints(logPath: string): CheckpointRecord[] {
  return readJsonLines(join(logPath, CHECKPOINTS_FILE)).filter(
    (r): r is CheckpointRecord => typeof r.name === "string",
  );
}

/** The last record that has `requiredKey` (default: a resumable `state_path`), or undefined. */
export function lastCheckpoint(
  logPath: string,
  requiredKey: "state_path" | "sampler_path" = "state_path",
): CheckpointRecord | undefined {
  return readCheckpoints(logPath)
    .filter((r) => typeof r[requiredKey] === "string")
    .at(-1);
}

/** What to save: training state (resumable), sampler weights, or both. */
export type CheckpointKind = "state" | "sampler" | "both";

/**
 * Saves a checkpoint named `name` and appends its record (with `loopState`) to `checkpoints.jsonl`
 * once the server has confirmed every save, so that a record always points at a stored checkpoint.
 */
export async function saveCheckpoint(
  training: TrainingClient,
  options: {
    readonly name: string;
    readonly logPath: string;
    readonly loopState: Readonly<Record<string, unknown>>;
    readonly kind?: CheckpointKind;
    readonly signal?: AbortSignal;
  },
): Promise<CheckpointRecord> {
  const { name, logPath, loopState, kind = "state", signal } = options;
  // Both are submitted before either is awaited; Promise.all observes both.
  const [state, sampler] = await Promise.all([
    kind === "sampler" ? undefined : training.saveState(name, { signal }),
    kind === "state" ? undefined : training.saveWeightsForSampler(name, { signal }),
  ]);
  const record: CheckpointRecord = {
    name,
    ...loopState,
    ...(state ? { state_path: state.path } : {}),
    ...(sampler?.path ? { sampler_path: sampler.path } : {}),
  };
  mkdirSync(logPath, { recursive: true });
  appendFileSync(join(logPath, CHECKPOINTS_FILE), `${JSON.stringify(record)}\n`);
  return record;
}

/** Appends one `{step, …metrics}` line per step to `metrics.jsonl`. */
export class MetricsLog {
  readonly path: string;

  /**
   * Opens `logPath/metrics.jsonl`. With `resumeAt`, the lines of steps at or after it (steps a killed
   * run did after its last checkpoint, which the resumed run does again) are removed, so that every
   * step appears exactly once.
   */
  constructor(logPath: string, options: { readonly resumeAt?: number } = {}) {
    mkdirSync(logPath, { recursive: true });
    this.path = join(logPath, METRICS_FILE);
    const { resumeAt } = options;
    if (resumeAt !== undefined && existsSync(this.path)) {
      const kept = readJsonLines(this.path).filter((r) => typeof r.step === "number" && r.step < resumeAt);
      writeFileSync(this.path, kept.map((r) => `${JSON.stringify(r)}\n`).join(""));
    }
  }

  /** Appends the line of `step`. */
  log(step: number, metrics: Readonly<Record<string, number | string>>): void {
    appendFileSync(this.path, `${JSON.stringify({ step, ...metrics })}\n`);
  }

  /** Every line so far. */
  read(): Array<Record<string, unknown> & { step: number }> {
    return readJsonLines(this.path).filter(
      (r): r is Record<string, unknown> & { step: number } => typeof r.step === "number",
    );
  }
}

/** Where progress lines go: a function, or `false` for none. Defaults to stderr. */
export type ProgressSink = ((line: string) => void) | false | undefined;

/** One progress line: `step 3/20  reward 0.412  kl 0.0012  1.3s`, with whichever figures exist. */
export function progressLine(
  step: number,
  total: number,
  metrics: Readonly<Record<string, number | string>>,
  figures: ReadonlyArray<readonly [label: string, key: string]>,
): string {
  const parts = [`step ${step + 1}/${total}`];
  for (const [label, key] of figures) {
    const v = metrics[key];
    if (typeof v === "number" && Number.isFinite(v))
      parts.push(`${label} ${Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(3)}`);
  }
  return parts.join("  ");
}

/** Writes `line` to the sink (stderr by default). */
export function emitProgress(sink: ProgressSink, line: string): void {
  if (sink === false) return;
  if (sink) sink(line);
  else process.stderr.write(`${line}\n`);
}
