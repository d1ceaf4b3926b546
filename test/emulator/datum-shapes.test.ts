/**
 * Datum shape checks (types/datum-checks.ts): the SDK refuses a bad datum before anything is sent,
 * naming `data[i].loss_fn_inputs.<key>`; the emulator answers the same datum sent raw with 400 and
 * a `detail` naming datum and field.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceClient, type TrainingClient } from "../../src/clients/index.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { ValidationError } from "../../src/errors/index.js";
import { type Datum, encodeDatum } from "../../src/types/datum.js";
import { ModelInput, TensorData } from "../../src/types/index.js";
import { call, KEY, sessionAndModel } from "./helpers.js";

function good(n = 3): Datum {
  const tokens = Array.from({ length: n }, (_, i) => 65 + i);
  return {
    model_input: ModelInput.fromInts(tokens),
    loss_fn_inputs: {
      target_tokens: TensorData.fromArray(
        tokens.map((t) => t + 1),
        "int64",
      ),
      weights: TensorData.fromArray(
        tokens.map(() => 1),
        "float32",
      ),
    },
  };
}

/** The inputs importance_sampling needs, one per token. */
function withRlInputs(d: Datum): Datum {
  const n = d.model_input.length;
  return {
    model_input: d.model_input,
    loss_fn_inputs: {
      target_tokens: d.loss_fn_inputs.target_tokens as TensorData,
      logprobs: TensorData.fromArray(Array(n).fill(-1), "float32"),
      advantages: TensorData.fromArray(Array(n).fill(1), "float32"),
    },
  };
}

const BAD: Array<[string, () => Datum, "cross_entropy" | "importance_sampling", RegExp]> = [
  [
    "target one shorter than the model input (the token-shift off-by-one)",
    () => ({ ...good(), loss_fn_inputs: { target_tokens: TensorData.fromArray([66, 67], "int64") } }),
    "cross_entropy",
    /data\[3\]\.loss_fn_inputs\.target_tokens: has 2 values but model_input has 3 tokens/,
  ],
  [
    "weights shorter than the targets",
    () => ({
      ...good(),
      loss_fn_inputs: { ...good().loss_fn_inputs, weights: TensorData.fromArray([1, 1], "float32") },
    }),
    "cross_entropy",
    /data\[3\]\.loss_fn_inputs\.weights: has 2 values/,
  ],
  [
    "importance_sampling without logprobs",
    () => good(),
    "importance_sampling",
    /data\[3\]\.loss_fn_inputs\.logprobs: is required by the importance_sampling loss/,
  ],
  [
    "a negative target token",
    () => ({ ...good(), loss_fn_inputs: { target_tokens: TensorData.fromArray([66, -5, 67], "int64") } }),
    "cross_entropy",
    /data\[3\]\.loss_fn_inputs\.target_tokens\[1\]: must be a non-negative integer/,
  ],
  [
    "weights as int64",
    () => ({
      ...good(),
      loss_fn_inputs: { ...good().loss_fn_inputs, weights: TensorData.fromArray([1, 0, 1], "int64") },
    }),
    "cross_entropy",
    /data\[3\]\.loss_fn_inputs\.weights: must be float32, got int64/,
  ],
];

describe("datum shapes", () => {
  let emu: Emulator;
  let service: ServiceClient;
  let training: TrainingClient;
  beforeAll(async () => {
    emu = await startEmulator({ apiKey: KEY });
    service = new ServiceClient({ apiKey: KEY, baseUrl: emu.url, telemetry: false });
    training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 4 });
  });
  afterAll(async () => {
    await service.close();
    await emu.close();
  });

  for (const [name, bad, lossFn, message] of BAD) {
    it(`${name}: ValidationError before sending, 400 from the emulator`, async () => {
      const ok = () => (lossFn === "cross_entropy" ? good() : withRlInputs(good()));
      const data = [ok(), ok(), ok(), bad()];
      const seq = training.nextSeqId;
      let err: unknown;
      try {
        training.forwardBackward(data, lossFn);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toMatch(/^data\[3\]\.loss_fn_inputs\./);
      expect(String((err as Error).message)).toMatch(message);
      expect(training.nextSeqId).toBe(seq);

      const { modelId } = await sessionAndModel(emu);
      const res = await call(emu, "POST", "/api/v1/forward_backward", {
        forward_backward_input: { data: data.map(encodeDatum), loss_fn: lossFn, loss_fn_config: null },
        model_id: modelId,
        seq_id: 1,
      });
      expect(res.status).toBe(400);
      expect(res.body.detail).toMatch(message);
    });
  }

  it("weights built by TensorData.fromArray([1, 0, 1]) without a dtype go out as float32", async () => {
    const d = good();
    const datum: Datum = {
      model_input: d.model_input,
      loss_fn_inputs: { ...d.loss_fn_inputs, weights: TensorData.fromArray([1, 0, 1]) },
    };
    const out = await training.forwardBackward([datum], "cross_entropy");
    expect(out.loss_fn_outputs).toHaveLength(1);
    const sent = emu.log.byPath("/api/v1/forward_backward", "POST").at(-1)?.body as {
      forward_backward_input: { data: Array<{ loss_fn_inputs: Record<string, { dtype: string }> }> };
    };
    expect(sent.forward_backward_input.data[0]?.loss_fn_inputs.weights?.dtype).toBe("float32");
  });

  it("a well-shaped datum trains", async () => {
    const out = await training.forwardBackward([good()], "cross_entropy");
    expect(out.loss_fn_outputs).toHaveLength(1);
  });
});
