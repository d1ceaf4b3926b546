/**
 * The files of a training run's log directory: `checkpoints.jsonl` (one record per saved checkpoint,
 * the cookbook's format) and `metrics.jsonl` (one line per step). Each line is appended whole, so a
 * process killed mid-write can only leave a partial last line, which readers skip.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SupervisedError } from "./errors.js";

/** The checkpoint log's file name in the log directory (the cookbook's). */
export const CHECKPOINTS_FILE = "checkpoints.jsonl";
/** The metrics log's file name in the log directory. */
export const METRICS_FILE = "metrics.jsonl";

/**
 * One line of `checkpoints.jsonl`. `epoch` and `batch` locate the next batch to run and `step` counts
 * the steps done, so a resumed run starts exactly after the saved one.
 */
export interface CheckpointRecord {
  /** The checkpoint name: the steps done, zero-padded to 6 digits, or `final`. */
  readonly name: string;
  readonly epoch: number;
  readonly batch: number;
  readonly step: number;
  /** `tinker://…/weights/<name>`: weights and optimizer state, to resume from. */
  readonly state_path: string;
  /** `tinker://…/sampler_weights/<name>`, to sample from. */
  readonly sampler_path?: string;
  readonly final?: boolean;
  readonly [key: string]: unknown;
}

/** One line of `metrics.jsonl`: the step and what was measured on it. */
export interface MetricsRecord {
  readonly step: number;
  readonly [key: string]: number | string | boolean | null;
}

/**
 * The JSON objects of a JSONL file; a missing file is empty, and an unparsable last line (left by a
 * killed writer) is skipped. Any other bad line is an error.
 */
export function readJsonl(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, "utf8").split("\n");
  const out: Record<string, unknown>[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch (e) {
      // Only the final line can be partial; with a newline after it, it was written whole.
      const partialTail = i === lines.length - 1;
      if (!partialTail) throw new SupervisedError(`${path}:${i + 1}: not JSON`, "DATA_FORMAT", { cause: e });
    }
  });
  return out;
}

function appendLine(path: string, value: unknown): void {
  appendFileSync(path, `${JSON.stringify(value)}\n`);
}

/**
 * Drops a partial last line left by a killed writer (it was never a record), so that the next record
 * starts on its own line. Called once when a run starts, before anything is appended.
 */
export function repairLogTail(logDir: string): void {
  for (const name of [CHECKPOINTS_FILE, METRICS_FILE]) {
    const path = join(logDir, name);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, "utf8");
    if (text !== "" && !text.endsWith("\n")) rewrite(path, text.slice(0, text.lastIndexOf("\n") + 1));
  }
}

/** The records of `checkpoints.jsonl` in `logDir`, oldest first. */
export function readCheckpoints(logDir: string): CheckpointRecord[] {
  return readJsonl(join(logDir, CHECKPOINTS_FILE)).filter(
    (r): r is CheckpointRecord => typeof r.state_path === "string" && typeof r.name === "string",
  );
}

/** The last record with a `state_path` (a resumable checkpoint), or null. */
export function lastCheckpoint(logDir: string): CheckpointRecord | null {
  return readCheckpoints(logDir).at(-1) ?? null;
}

/** Appends a record to `checkpoints.jsonl`. */
export function appendCheckpoint(logDir: string, record: CheckpointRecord): void {
  mkdirSync(logDir, { recursive: true });
  appendLine(join(logDir, CHECKPOINTS_FILE), record);
}

/** The lines of `metrics.jsonl`. */
export function readMetrics(logDir: string): MetricsRecord[] {
  return readJsonl(join(logDir, METRICS_FILE)).filter((r): r is MetricsRecord => typeof r.step === "number");
}

/** Appends one step's line to `metrics.jsonl`. */
export function appendMetrics(logDir: string, record: MetricsRecord): void {
  mkdirSync(logDir, { recursive: true });
  appendLine(join(logDir, METRICS_FILE), record);
}

/**
 * Drops the metrics of steps at or after `step`: a resumed run redoes them from its checkpoint, so
 * each step keeps one line, the one of the weights that carry on. Rewritten through a rename, so a
 * kill leaves the old file or the new one.
 */
export function truncateMetrics(logDir: string, step: number): void {
  const path = join(logDir, METRICS_FILE);
  if (!existsSync(path)) return;
  const kept = readJsonl(path).filter((r) => typeof r.step === "number" && r.step < step);
  rewrite(path, kept.map((r) => `${JSON.stringify(r)}\n`).join(""));
}

function rewrite(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
