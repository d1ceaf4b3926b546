/**
 * The only place where the parity suite touches the tinker-ts public API to build inputs: a
 * ServiceClient wired to the replay server and fake clock, and conversions of the Python call
 * arguments recorded in the meta files (`Datum`, `ModelInput` dumps) to our wire types.
 */
import { ServiceClient } from "../../src/clients/index.js";
import { type Datum, ModelInput, TensorData, type TensorDtype } from "../../src/types/index.js";
import type { PlainDatum } from "./chunking-data.js";
import type { Json, MetaCall } from "./golden.js";
import { type Scenario, TEST_KEY } from "./harness.js";

/** ServiceClient options the scenarios vary. */
export interface ServiceOverrides {
  apiKey?: string;
  baseUrl?: string;
  timeout?: number;
  userMetadata?: Record<string, string>;
}

/** A ServiceClient like the scenario's `tinker.ServiceClient(api_key=..., base_url=...)`, on the fake clock. */
export function newService(
  sc: Scenario,
  overrides: ServiceOverrides & { envOnly?: boolean } = {},
): ServiceClient {
  const { envOnly, ...rest } = overrides;
  const base = envOnly ? {} : { apiKey: TEST_KEY, baseUrl: sc.replay.baseUrl };
  return new ServiceClient({ ...base, ...rest, deps: sc.clock.deps });
}

/** `ModelInput` from a meta dump `{chunks: [{tokens, type}]}` (token chunks only in these scenarios). */
export function metaModelInput(dump: Json): ModelInput {
  const chunks = (dump as { chunks: Array<{ tokens: number[] }> }).chunks;
  return ModelInput.fromInts(chunks.flatMap((c) => c.tokens));
}

/** `Datum` from a meta dump `{loss_fn_inputs: {k: {data, dtype, shape}}, model_input}`. */
export function metaDatum(dump: Json): Datum {
  const d = dump as {
    loss_fn_inputs: Record<string, { data: number[]; dtype: TensorDtype; shape: number[] }>;
    model_input: Json;
  };
  const lfi: Record<string, TensorData> = {};
  for (const [k, t] of Object.entries(d.loss_fn_inputs))
    lfi[k] = TensorData.fromArray(t.data, t.dtype, t.shape);
  return { model_input: metaModelInput(d.model_input), loss_fn_inputs: lfi };
}

/** The `data` kwarg of a forward/forward_backward meta call, as our Datums. */
export function metaData(call: MetaCall): Datum[] {
  const data = call.kwargs?.["data"];
  if (!Array.isArray(data)) throw new Error(`step ${call.step}: data is summarised; rebuild it instead`);
  return data.map(metaDatum);
}

/** A Datum from the rebuilt chunking data. */
export function plainDatum(p: PlainDatum): Datum {
  const lfi: Record<string, TensorData> = {
    target_tokens: TensorData.fromArray(p.targetTokens, "int64", [p.targetTokens.length]),
  };
  if (p.weights) lfi["weights"] = TensorData.fromArray(p.weights, "float32", [p.weights.length]);
  return { model_input: ModelInput.fromInts(p.tokens), loss_fn_inputs: lfi };
}

/** JSON view of a result (class instances → their `toJSON`), for comparing with Python's dumps. */
export function plain(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

/** Waits for the ServiceClient's session (0.4.1 creates it in the constructor) and returns its id. */
export async function sessionIdOf(service: ServiceClient): Promise<string> {
  return await service.sessionId();
}
