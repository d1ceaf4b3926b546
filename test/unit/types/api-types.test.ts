/**
 * Types that catch mistakes (issue #17), checked by `tsc` over the test files (`npm run check`):
 * a `@ts-expect-error` line fails the type check when the error it expects goes away.
 */
import { describe, expectTypeOf, it } from "vitest";
import { RestClient, SamplingClient, type SavedSamplerWeights, TrainingClient } from "../../../src/index.js";

describe("public API types", () => {
  it("saveWeightsForSampler resolves to a path that is always a string", () => {
    type Result = Awaited<ReturnType<TrainingClient["saveWeightsForSampler"]>>;
    expectTypeOf<Result>().toEqualTypeOf<SavedSamplerWeights>();
    expectTypeOf<Result["path"]>().toEqualTypeOf<string>();
  });

  it("both createSamplingClients take a path string or { modelPath }", () => {
    type FromTraining = Parameters<TrainingClient["createSamplingClient"]>[0];
    expectTypeOf<string>().toMatchTypeOf<FromTraining>();
    expectTypeOf<{ modelPath: string }>().toMatchTypeOf<FromTraining>();
    expectTypeOf<ReturnType<TrainingClient["createSamplingClient"]>>().toEqualTypeOf<
      Promise<SamplingClient>
    >();
  });

  it("the clients cannot be constructed directly (they need a ServiceClient's session)", () => {
    const tryNew = () => {
      // @ts-expect-error: the constructor is private; use ServiceClient.createLoraTrainingClient()
      void new TrainingClient();
      // @ts-expect-error: the constructor is private; use ServiceClient.createSamplingClient()
      void new SamplingClient();
      // @ts-expect-error: the constructor is private; use ServiceClient.createRestClient()
      void new RestClient();
    };
    expectTypeOf(tryNew).toBeFunction();
  });

  it("a misspelt PPO key does not compile", () => {
    const check = (t: TrainingClient) => {
      // @ts-expect-error: `clip_low_treshold` is not a PPO config key
      void t.forwardBackward([], "ppo", { clip_low_treshold: 0.8 });
      void t.forwardBackward([], "ppo", { clip_low_threshold: 0.8 });
    };
    expectTypeOf(check).toBeFunction();
  });
});
