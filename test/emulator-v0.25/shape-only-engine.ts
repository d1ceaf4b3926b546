/**
 * An engine for replays that check what the emulator accepts, not what it learns: batches over
 * `maxTokens` get outputs of the right keys, dtypes and lengths (zeros) at once, instead of the tiny
 * model working through e.g. the 312,500-token chunk of `chunking:11` (~40 s on this VM). The keys,
 * dtypes and metrics come from the real model run on the batch's first datum cut to 8 tokens.
 */
import type {
  EngineDatum,
  EngineFactory,
  EngineForwardOutput,
  EngineLossFn,
  EngineTensor,
  EngineTrainableModel,
} from "../../src/emulator/engine.js";

type Run = (
  batch: readonly EngineDatum[],
  lossFn: EngineLossFn,
  config: Readonly<Record<string, number>> | null,
) => EngineForwardOutput;

function cut(d: EngineDatum, n: number): EngineDatum {
  const lossFnInputs: Record<string, EngineTensor> = {};
  for (const [k, t] of Object.entries(d.lossFnInputs)) {
    lossFnInputs[k] = { data: Array.from(t.data).slice(0, n), dtype: t.dtype, shape: [n] };
  }
  return { tokens: d.tokens.slice(0, n), lossFnInputs };
}

function shaped(run: Run, maxTokens: number): Run {
  return (batch, lossFn, config) => {
    const total = batch.reduce((s, d) => s + d.tokens.length, 0);
    if (total <= maxTokens || batch.length === 0) return run(batch, lossFn, config);
    const n = Math.min(8, batch[0]?.tokens.length ?? 0);
    const probe = run([cut(batch[0] as EngineDatum, n)], lossFn, config);
    const template = probe.lossFnOutputs[0] ?? {};
    const lossFnOutputs = batch.map((d) => {
      const out: Record<string, EngineTensor> = {};
      for (const [k, t] of Object.entries(template)) {
        out[k] = { data: new Array(d.tokens.length).fill(0), dtype: t.dtype, shape: [d.tokens.length] };
      }
      return out;
    });
    return { lossFnOutputs, metrics: probe.metrics };
  };
}

/** `base` with forward/forward_backward of batches over `maxTokens` answered by shape only. */
export function shapeOnlyEngine(base: EngineFactory, maxTokens = 20_000): EngineFactory {
  return {
    ...base,
    createModel(baseModel, lora): EngineTrainableModel {
      const m = base.createModel(baseModel, lora);
      const forward = shaped(m.forward.bind(m), maxTokens);
      const forwardBackward = shaped(m.forwardBackward.bind(m), maxTokens);
      // Without the async forms the emulator calls these; keep every other method of the model.
      return Object.assign(Object.create(m) as EngineTrainableModel, {
        forward,
        forwardBackward,
        forwardAsync: undefined,
        forwardBackwardAsync: undefined,
      });
    },
  };
}
