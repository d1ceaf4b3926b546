/**
 * `TrainingClient.forwardBackwardCustom`: a loss computed in the caller's code. A cross-entropy
 * forward gives each datum's logprobs, the loss function returns the loss, its gradient with
 * respect to those logprobs and metrics, then a cross_entropy forward_backward on the linear
 * surrogate (weights = −grad, target_tokens kept, other inputs dropped) puts exactly that gradient
 * on the model, as 0.4.1. The backward's seq_ids are reserved only after the loss ran (0.4.1
 * ordering). User metrics override server metrics.
 */
import { ValidationError } from "../errors/index.js";
import { type APIFuture, futureFromPromise } from "../futures/index.js";
import type { RequestCallOptions } from "../core/deadline.js";
import type { Datum } from "../types/datum.js";
import type { ForwardBackwardOutput } from "../types/responses.js";
import { TensorData } from "../types/tensor-data.js";
import type { SessionHolder } from "./session-holder.js";
import type { TrainingClient } from "./training-client.js";

/** What a custom loss function returns: the loss, d(loss)/d(logprobs) per datum, and metrics. */
export interface CustomLossResult {
  loss: number;
  /** One gradient array per datum, same length as that datum's logprobs. */
  grads: ReadonlyArray<ArrayLike<number> | null | undefined>;
  metrics?: Record<string, number>;
}

/** A user loss over the per-datum logprobs of a forward pass (0.4.1 CustomLossFnV1, without torch). */
export type CustomLossFn = (
  data: readonly Datum[],
  logprobs: number[][],
) => CustomLossResult | Promise<CustomLossResult>;

/** The forward, the loss, then the surrogate forward_backward (see the module comment). */
export function forwardBackwardCustom(
  client: Pick<TrainingClient, "forward" | "forwardBackward">,
  holder: SessionHolder,
  data: readonly Datum[],
  lossFn: CustomLossFn,
  options: RequestCallOptions,
): APIFuture<ForwardBackwardOutput> {
  const forward = client.forward(data, "cross_entropy", null, options);
  let backward: APIFuture<ForwardBackwardOutput> | undefined;
  const run = async (): Promise<ForwardBackwardOutput> => {
    const fwd = await forward;
    const logprobs = fwd.loss_fn_outputs.map((o, i) => {
      const t = o.logprobs;
      if (!t) throw new ValidationError(`loss_fn_outputs[${i}].logprobs`, "missing from the forward output");
      return [...t.data];
    });
    const { grads, metrics = {} } = await lossFn(data, logprobs);
    const n = Math.min(data.length, grads.length);
    const surrogate: Datum[] = [];
    for (let i = 0; i < n; i++) {
      const grad = grads[i];
      if (grad == null) throw new ValidationError(`grads[${i}]`, "No gradient computed for logprob tensor");
      const d = data[i] as Datum;
      const target = d.loss_fn_inputs.target_tokens;
      if (!target) throw new ValidationError(`data[${i}].loss_fn_inputs.target_tokens`, "is required");
      const weights = Array.from(grad, (g) => -g);
      surrogate.push({
        model_input: d.model_input,
        loss_fn_inputs: {
          target_tokens: target,
          weights: TensorData.fromArray(weights, "float32", [weights.length]),
        },
      });
    }
    backward = client.forwardBackward(surrogate, "cross_entropy", null, options);
    const out = await backward;
    return { ...out, metrics: { ...out.metrics, ...metrics } };
  };
  const p = holder.capture("TrainingClient.forwardBackwardCustom", run);
  return futureFromPromise(p, {
    requestId: () => backward?.requestId ?? forward.requestId,
    deps: holder.deps,
  });
}
