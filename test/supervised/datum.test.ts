/**
 * Conversation → Datum, checked by hand against what tinker-cookbook's `datum_from_model_input_weights`
 * and `conversation_to_datum` produce (shift, truncation, chunks, images, reduction, refusals).
 */
import { describe, expect, it } from "vitest";
import {
  computeMeanNll,
  conversationToDatum,
  datumFromModelInputWeights,
  SupervisedError,
} from "../../src/supervised/index.js";
import { encodeDatum } from "../../src/types/datum.js";
import { ModelInput, type ModelInputChunk } from "../../src/types/model-input.js";
import { TensorData } from "../../src/types/tensor-data.js";
import { roleColonRenderer } from "./role-colon-renderer.js";

const text = (tokens: number[]): ModelInputChunk => ({ type: "encoded_text", tokens });
const image = (n: number): ModelInputChunk => ({
  type: "image",
  data: "AAAA",
  format: "png",
  height: 1,
  width: n,
  tokens: n,
});

function parts(d: ReturnType<typeof datumFromModelInputWeights>) {
  return {
    chunks: d.model_input.chunks,
    targets: d.loss_fn_inputs.target_tokens?.data,
    weights: d.loss_fn_inputs.weights?.data,
  };
}

describe("datumFromModelInputWeights", () => {
  it("shifts: inputs tokens[:-1], targets tokens[1:], weights[1:], int64 targets and float32 weights", () => {
    const d = datumFromModelInputWeights(ModelInput.fromInts([1, 2, 3, 4, 5]), [0, 0, 1, 1, 1]);
    expect(parts(d)).toEqual({ chunks: [text([1, 2, 3, 4])], targets: [2, 3, 4, 5], weights: [0, 1, 1, 1] });
    expect(encodeDatum(d)).toEqual({
      loss_fn_inputs: {
        weights: { data: [0, 1, 1, 1], dtype: "float32", shape: [4] },
        target_tokens: { data: [2, 3, 4, 5], dtype: "int64", shape: [4] },
      },
      model_input: { chunks: [{ tokens: [1, 2, 3, 4] }] },
    });
  });

  it("mean reduction scales a datum's weights to sum 1, as float32 values", () => {
    const d = datumFromModelInputWeights(ModelInput.fromInts([1, 2, 3, 4, 5]), [0, 0, 1, 1, 1], {
      reduction: "mean",
    });
    const third = Math.fround(1 / 3);
    expect(d.loss_fn_inputs.weights?.data).toEqual([0, third, third, third]);
    // All-zero weights stay zero (no division by 0).
    const z = datumFromModelInputWeights(ModelInput.fromInts([1, 2, 3]), [1, 0, 0], { reduction: "mean" });
    expect(z.loss_fn_inputs.weights?.data).toEqual([0, 0]);
  });

  it("truncates to maxLength before the shift", () => {
    const d = datumFromModelInputWeights(ModelInput.fromInts([1, 2, 3, 4, 5]), [0, 1, 2, 3, 4], {
      maxLength: 3,
    });
    expect(parts(d)).toEqual({ chunks: [text([1, 2])], targets: [2, 3], weights: [1, 2] });
    // maxLength at or above the length changes nothing.
    const same = datumFromModelInputWeights(ModelInput.fromInts([1, 2, 3]), [0, 1, 1], { maxLength: 3 });
    expect(parts(same).targets).toEqual([2, 3]);
  });

  it("cuts the last text chunk, or drops it whole, across chunk boundaries", () => {
    const mi = new ModelInput([text([1, 2]), text([3, 4, 5])]);
    const w = [0, 1, 2, 3, 4];
    // [1,2][3] → the last chunk has one token, so the input keeps only [1,2].
    expect(parts(datumFromModelInputWeights(mi, w, { maxLength: 3 }))).toEqual({
      chunks: [text([1, 2])],
      targets: [2, 3],
      weights: [1, 2],
    });
    // Exactly at a boundary: the whole second chunk goes.
    expect(parts(datumFromModelInputWeights(mi, w, { maxLength: 2 }))).toEqual({
      chunks: [text([1])],
      targets: [2],
      weights: [1],
    });
    // No truncation: chunks before the last are kept as they are.
    expect(parts(datumFromModelInputWeights(mi, w))).toEqual({
      chunks: [text([1, 2]), text([3, 4])],
      targets: [2, 3, 4, 5],
      weights: [1, 2, 3, 4],
    });
  });

  it("keeps images inside, targets 0 at image positions, drops trailing images and empty chunks", () => {
    const mid = new ModelInput([text([1, 2]), image(2), text([3, 4])]);
    expect(parts(datumFromModelInputWeights(mid, [0, 1, 2, 3, 4, 5]))).toEqual({
      chunks: [text([1, 2]), image(2), text([3])],
      targets: [2, 0, 0, 3, 4],
      weights: [1, 2, 3, 4, 5],
    });
    const tail = new ModelInput([text([1, 2, 3]), image(2)]);
    expect(parts(datumFromModelInputWeights(tail, [0, 1, 2, 3, 4]))).toEqual({
      chunks: [text([1, 2])],
      targets: [2, 3],
      weights: [1, 2],
    });
    // An image that does not fit is dropped whole, never cut.
    expect(parts(datumFromModelInputWeights(tail, [0, 1, 2, 3, 4], { maxLength: 4 })).targets).toEqual([
      2, 3,
    ]);
    const empty = new ModelInput([text([1, 2, 3]), text([])]);
    expect(parts(datumFromModelInputWeights(empty, [0, 1, 1])).chunks).toEqual([text([1, 2])]);
  });

  it("refuses what cannot train, with SupervisedError codes", () => {
    const refuse = (f: () => unknown, code: string) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(SupervisedError);
        expect((e as SupervisedError).code).toBe(code);
        return;
      }
      throw new Error("not refused");
    };
    refuse(() => datumFromModelInputWeights(ModelInput.fromInts([1]), [1]), "DATA_VALIDATION");
    refuse(() => datumFromModelInputWeights(ModelInput.fromInts([1, 2, 3]), [1, 1]), "DATA_VALIDATION");
    refuse(() => datumFromModelInputWeights(new ModelInput([image(3)]), [1, 1, 1]), "DATA_VALIDATION");
    refuse(
      () => datumFromModelInputWeights(ModelInput.fromInts([1, 2, 3]), [1, 1, 1], { maxLength: 1 }),
      "DATA_VALIDATION",
    );
    refuse(
      () =>
        datumFromModelInputWeights(ModelInput.fromInts([1, 2]), [1, 1], {
          reduction: "sum" as unknown as "none",
        }),
      "CONFIGURATION",
    );
  });
});

describe("conversationToDatum", () => {
  const conv = [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Yo" },
  ] as const;

  it("trains the assistant's tokens (all_assistant_messages), mean-reduced, by default", () => {
    const d = conversationToDatum(conv, roleColonRenderer);
    // "User: Hi\n\nAssistant: Yo\n\n": 22 bytes; the assistant's "Yo\n\n" are the last 4.
    const all = [...new TextEncoder().encode("User: Hi\n\nAssistant: Yo\n\n")];
    expect(d.model_input.toInts()).toEqual(all.slice(0, -1));
    expect(d.loss_fn_inputs.target_tokens?.data).toEqual(all.slice(1));
    const w = d.loss_fn_inputs.weights?.data ?? [];
    expect(w).toHaveLength(all.length - 1);
    expect(w.slice(0, -4).every((x) => x === 0)).toBe(true);
    expect(w.slice(-4)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it("passes trainOnWhat, maxLength and reduction through", () => {
    const d = conversationToDatum(conv, roleColonRenderer, {
      trainOnWhat: "all_tokens",
      maxLength: 8,
      reduction: "none",
    });
    expect(d.model_input.toInts()).toEqual([...new TextEncoder().encode("User: H")]);
    expect(d.loss_fn_inputs.weights?.data).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });
});

describe("computeMeanNll", () => {
  it("is −Σ logprob·weight / Σ weight over the batch, NaN without weight", () => {
    const nll = computeMeanNll(
      [TensorData.fromArray([-1, -2], "float32"), [-3]],
      [TensorData.fromArray([1, 0.5], "float32"), [2]],
    );
    expect(nll).toBeCloseTo((1 + 1 + 6) / 3.5, 12);
    expect(computeMeanNll([[-1]], [[0]])).toBeNaN();
    expect(() => computeMeanNll([[-1, -2]], [[1]])).toThrow(SupervisedError);
  });
});
