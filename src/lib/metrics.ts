/**
 * Combining the results of a chunked forward/forward_backward call, exactly as Python SDK 0.4.1's
 * `chunked_fwdbwd_helpers` does: outputs are concatenated in chunk order and each metric is reduced
 * according to the suffix after its `:`.
 */

import { TinkerError } from "../errors/index.js";
import { pythonTupleOfIntsHash } from "./python-hash.js";

/** A reduction suffix 0.4.1 knows; metric keys look like `name:suffix`. */
export type MetricReduction = "mean" | "sum" | "min" | "max" | "slack" | "hash_unordered" | "unique";

/** The reduction suffixes, in 0.4.1's order. Keys with any other suffix are dropped. */
export const METRIC_REDUCTIONS: readonly MetricReduction[] = [
  "mean",
  "sum",
  "min",
  "max",
  "slack",
  "hash_unordered",
  "unique",
];

/** Thrown when a metric key cannot be reduced (0.4.1 raises `ValueError` / `ZeroDivisionError`). */
export class MetricsReductionError extends TinkerError {
  /** The metric key that failed. */
  readonly key: string;
  constructor(key: string, message: string) {
    super(message, "TINKER_METRICS_REDUCTION");
    this.key = key;
  }
}

/**
 * Sum as numpy's `add.reduce` does for a contiguous float64 array (pairwise, 8 accumulators,
 * blocks of 128). A naive left-to-right sum differs in the last bits from 8 values on, and parity
 * with 0.4.1 is bit for bit.
 */
export function numpySum(values: readonly number[]): number {
  return pairwiseSum(values, 0, values.length);
}

function pairwiseSum(a: readonly number[], start: number, n: number): number {
  if (n < 8) {
    // numpy starts this branch from +0.0, so a lone -0.0 sums to +0.0.
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i] as number;
    return res;
  }
  if (n <= 128) {
    const r = a.slice(start, start + 8) as number[];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] = (r[j] as number) + (a[start + i + j] as number);
    }
    const [r0, r1, r2, r3, r4, r5, r6, r7] = r as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[start + i] as number;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

function mean(key: string, values: readonly number[], weights: readonly number[] | undefined): number {
  if (weights === undefined) return numpySum(values) / values.length;
  // np.average: Σ(v·w) / Σw, both sums pairwise; a zero weight sum raises in numpy.
  const scale = numpySum(weights);
  if (scale === 0) {
    throw new MetricsReductionError(key, `Weights sum to zero, can't be normalized (metric '${key}')`);
  }
  return numpySum(values.map((v, i) => v * (weights[i] as number))) / scale;
}

function max(values: readonly number[]): number {
  // Like np.max/np.min: any NaN wins; ties keep the earlier value.
  if (values.some(Number.isNaN)) return Number.NaN;
  let m = values[0] as number;
  for (const v of values) if (v > m) m = v;
  return m;
}

function min(values: readonly number[]): number {
  if (values.some(Number.isNaN)) return Number.NaN;
  let m = values[0] as number;
  for (const v of values) if (v < m) m = v;
  return m;
}

/** `hash(tuple(sorted(int(v) for v in values)))`, then read as a float like pydantic does. */
function hashUnordered(key: string, values: readonly number[]): number {
  const ints = values.map((v) => {
    if (!Number.isFinite(v)) {
      throw new MetricsReductionError(key, `cannot convert float ${v} to integer (metric '${key}')`);
    }
    return BigInt(Math.trunc(v));
  });
  ints.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return Number(pythonTupleOfIntsHash(ints));
}

/**
 * Reduce per-chunk metric dictionaries into one, as 0.4.1 `_metrics_reduction`.
 *
 * - Keys come from the first dictionary only, in its order; a key missing from any dictionary is dropped.
 * - Every key of the first dictionary must contain exactly one `:` or a {@link MetricsReductionError}
 *   is thrown (0.4.1 fails the whole future with `ValueError`).
 * - Unknown suffixes are dropped silently.
 * - `:mean` and `:slack` are weighted by `weights` (0.4.1 passes each chunk's number of
 *   `loss_fn_outputs`); without weights they are unweighted.
 * - `:unique` keeps every value: `key`, then `key_1`, `key_2`, … for the later chunks.
 * - Empty input gives `{}`.
 */
export function reduceMetrics(
  metrics: readonly Readonly<Record<string, number>>[],
  weights?: readonly number[],
): Record<string, number> {
  const first = metrics[0];
  if (first === undefined) return {};
  const known: readonly string[] = METRIC_REDUCTIONS;
  const res: Record<string, number> = {};
  for (const key of Object.keys(first)) {
    const parts = key.split(":");
    if (parts.length !== 2) {
      throw new MetricsReductionError(
        key,
        `Metric key '${key}' must have the form 'name:reduction' with exactly one ':'`,
      );
    }
    const reduction = parts[1] as string;
    if (!known.includes(reduction)) continue;
    if (!metrics.every((m) => Object.hasOwn(m, key))) continue;
    const values = metrics.map((m) => m[key] as number);
    switch (reduction as MetricReduction) {
      case "mean":
        res[key] = mean(key, values, weights);
        break;
      case "slack":
        res[key] = max(values) - mean(key, values, weights);
        break;
      case "sum":
        res[key] = numpySum(values);
        break;
      case "min":
        res[key] = min(values);
        break;
      case "max":
        res[key] = max(values);
        break;
      case "hash_unordered":
        res[key] = hashUnordered(key, values);
        break;
      case "unique":
        values.forEach((v, i) => {
          res[i === 0 ? key : `${key}_${i}`] = v;
        });
        break;
    }
  }
  return res;
}

/** The structural shape of one chunk's forward/forward_backward result that combining needs. */
export interface ChunkResult<O = unknown> {
  loss_fn_outputs: readonly O[];
  metrics: Readonly<Record<string, number>>;
  loss_fn_output_type?: string;
}

/** The combined result of all chunks (same fields as the wire `ForwardBackwardOutput`). */
export interface CombinedChunkResult<O = unknown> {
  loss_fn_output_type: string;
  metrics: Record<string, number>;
  loss_fn_outputs: O[];
}

/**
 * Combine chunk results as 0.4.1 `combine_fwd_bwd_output_results`: no chunks gives an empty result
 * with `loss_fn_output_type: ""`; otherwise the first chunk's output type, all outputs concatenated
 * in chunk order, and metrics reduced with each chunk weighted by its number of outputs.
 */
export function combineForwardBackwardOutputs<O>(results: readonly ChunkResult<O>[]): CombinedChunkResult<O> {
  const first = results[0];
  if (first === undefined) return { loss_fn_output_type: "", metrics: {}, loss_fn_outputs: [] };
  const metrics = reduceMetrics(
    results.map((r) => r.metrics),
    results.map((r) => r.loss_fn_outputs.length),
  );
  return {
    loss_fn_output_type: first.loss_fn_output_type ?? "",
    metrics,
    loss_fn_outputs: results.flatMap((r) => [...r.loss_fn_outputs]),
  };
}
