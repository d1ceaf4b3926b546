/** Parsing and building `tinker://<training run id>/<weights|sampler_weights>/<name>` checkpoint paths. */

import { ValidationError } from "../errors/index.js";
import type { CheckpointType } from "../types/enums.js";

const SCHEME = "tinker://";

/** A parsed checkpoint path, with the same parts as 0.4.1 `ParsedCheckpointTinkerPath`. */
export interface ParsedTinkerPath {
  /** The path as given. */
  tinkerPath: string;
  /** First segment; 0.4.1 accepts an empty one. */
  trainingRunId: string;
  checkpointType: CheckpointType;
  /** Kind segment plus name, e.g. `weights/0001`; it goes into URLs as is. */
  checkpointId: string;
}

/** Thrown for a path that is not a `tinker://` checkpoint path (0.4.1 raises `ValueError`). */
export class TinkerPathError extends ValidationError {
  /** The offending path. */
  readonly path: string;
  constructor(path: string, problem: string) {
    super("tinker_path", `Invalid tinker path: ${path} (${problem})`);
    this.path = path;
  }
}

/**
 * Parse a checkpoint path as 0.4.1 does: it must start with `tinker://`, the rest must split on `/`
 * into exactly three parts and the middle one must be `weights` or `sampler_weights`. Nothing else
 * is checked (empty run id or name pass), so a trailing slash or an extra segment is an error.
 */
export function parseTinkerPath(path: string): ParsedTinkerPath {
  if (!path.startsWith(SCHEME)) throw new TinkerPathError(path, "must start with tinker://");
  const parts = path.slice(SCHEME.length).split("/");
  if (parts.length !== 3) {
    throw new TinkerPathError(
      path,
      `expected <run>/<weights|sampler_weights>/<name>, got ${parts.length} segments`,
    );
  }
  const [runId, kind, name] = parts as [string, string, string];
  if (kind !== "weights" && kind !== "sampler_weights") {
    throw new TinkerPathError(path, `second segment must be 'weights' or 'sampler_weights', got '${kind}'`);
  }
  return {
    tinkerPath: path,
    trainingRunId: runId,
    checkpointType: kind === "weights" ? "training" : "sampler",
    checkpointId: `${kind}/${name}`,
  };
}

/** True when {@link parseTinkerPath} would accept `path`. */
export function isTinkerPath(path: string): boolean {
  try {
    parseTinkerPath(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Build `tinker://<run>/<kind>/<name>`. `checkpoint` is either a bare name (combined with
 * `checkpointType`) or a full checkpoint id such as `weights/0001` as found in `checkpoint_id`.
 */
export function buildTinkerPath(
  trainingRunId: string,
  checkpoint: string,
  checkpointType: CheckpointType = "training",
): string {
  const id =
    checkpoint.startsWith("weights/") || checkpoint.startsWith("sampler_weights/")
      ? checkpoint
      : `${checkpointType === "training" ? "weights" : "sampler_weights"}/${checkpoint}`;
  const path = `${SCHEME}${trainingRunId}/${id}`;
  // Refuse to build what cannot be parsed back (e.g. a '/' inside the run id or name).
  parseTinkerPath(path);
  return path;
}
