/** Small string enums of the 0.4.1 wire protocol. */

/** Loss functions the server implements: 0.4.1's three, and 0.25.0's `cispo` and `dro`. */
export type LossFnType = "cross_entropy" | "importance_sampling" | "ppo" | "cispo" | "dro";

/** All loss function names, for validation. */
export const LOSS_FN_TYPES: readonly LossFnType[] = [
  "cross_entropy",
  "importance_sampling",
  "ppo",
  "cispo",
  "dro",
];

/** Why a sampled sequence ended. */
export type StopReason = "length" | "stop";

import type { RequestErrorCategory } from "../errors/index.js";

export type { RequestErrorCategory };

/** Parses a category; anything unrecognised becomes "unknown" as in 0.4.1. */
export function parseRequestErrorCategory(value: unknown): RequestErrorCategory {
  // Exactly as 0.4.1's StrEnum: case-sensitive, so "User" is unknown.
  return value === "server" || value === "user" ? value : "unknown";
}

/** Queue state reported while a future is pending. */
export type QueueState = "active" | "paused_capacity" | "paused_rate_limit" | "unknown";

/** Parses a queue state; unrecognised values become "unknown" (0.4.1 keeps polling regardless). */
export function parseQueueState(value: unknown): QueueState {
  return value === "active" || value === "paused_capacity" || value === "paused_rate_limit"
    ? value
    : "unknown";
}

/** Kind of a stored checkpoint. */
export type CheckpointType = "training" | "sampler";

/** Telemetry event severity. */
export type Severity = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";
