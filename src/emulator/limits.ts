/**
 * The emulator's per-request limits, as a real service has them: a body bigger than
 * `maxBodyBytes` is refused with 413 before it is read, and requests beyond the work caps with a 400
 * naming the field and the limit. The defaults sit above what the SDKs send with their default caps
 * (0.4.1 chunks training data at 128 datums and 500 000 numbers per request; 0.25.0 at 1024 datums
 * and 5 000 000 estimated bytes, which is up to 416 667 text tokens with their int64 targets) and
 * bound what one request can cost.
 */
import { HttpError } from "./http-util.js";

/** Per-request limits (every field optional in `EmulatorOptions.limits`). */
export interface EmulatorLimits {
  /** Largest request body in bytes (default 32 MiB), refused with 413. */
  readonly maxBodyBytes: number;
  /** Most datums in one forward/forward_backward request (default 1024). */
  readonly maxDatums: number;
  /** Most model-input tokens in one request: all datums of a training request, or a prompt (default 524 288). */
  readonly maxTokens: number;
  /** Largest `sampling_params.max_tokens` (default 16 384). */
  readonly maxSampleTokens: number;
  /** Largest `num_samples` (default 1024). */
  readonly maxNumSamples: number;
  /** Largest `num_samples × max_tokens` of one sample request (default 262 144). */
  readonly maxGeneratedTokens: number;
}

/** The defaults of {@link EmulatorLimits}. */
export const DEFAULT_LIMITS: EmulatorLimits = {
  maxBodyBytes: 32 * 1024 * 1024,
  maxDatums: 1024,
  maxTokens: 524_288,
  maxSampleTokens: 16_384,
  maxNumSamples: 1024,
  maxGeneratedTokens: 262_144,
};

/** Answers 400 when `value` is over `limit`, naming the field and the limit. */
export function capAt(value: number, limit: number, field: string, what: string): void {
  if (value > limit) {
    throw new HttpError(400, `${field}: ${value} ${what} in one request; this server's limit is ${limit}`);
  }
}
