/** Advantages and trajectory → datum conversion against hand-computed cases. */
import { describe, expect, it } from "vitest";
import { ModelInput } from "../../src/index.js";
import {
  assembleTrainingData,
  computeAdvantages,
  computeKlSampleTrain,
  computeTrajectoryMetrics,
  discountedFutureSum,
  PARSE_ERROR_MASKED_METRIC_KEY,
  removeConstantRewardGroups,
  type Trajectory,
  type TrajectoryGroup,
  trajectoryToData,
  type Transition,
  withoutMask,
} from "../../src/rl/index.js";

const tr = (ob: number[], ac: number[], lp: number[], reward = 0, metrics = {}): Transition => ({
  ob: ModelInput.fromInts(ob),
  ac: { tokens: ac, logprobs: lp },
  reward,
  episodeDone: false,
  metrics,
  logs: {},
});
const traj = (...transitions: Transition[]): Trajectory => ({ transitions, finalOb: ModelInput.empty() });
const group = (rewards: number[], finalRewards?: number[]): TrajectoryGroup => ({
  trajectories: rewards.map((r) => traj(tr([1], [2], [-0.5], r))),
  finalRewards: finalRewards ?? rewards.map(() => 0),
  metrics: rewards.map(() => ({})),
});
const arr = (d: ReturnType<typeof trajectoryToData>[number], k: string) => d.loss_fn_inputs[k]?.toArray();

describe("computeAdvantages", () => {
  it("centres each group on its own mean", () => {
    expect(computeAdvantages([group([1, 0, 0, 1]), group([0.5, 0.25, 0])])).toEqual([
      [0.5, -0.5, -0.5, 0.5],
      [0.25, 0, -0.25],
    ]);
  });

  it("gives a constant group zeros (kept, not dropped)", () => {
    expect(computeAdvantages([group([0.3, 0.3, 0.3])])).toEqual([[0, 0, 0]]);
    expect(computeAdvantages([group([-0.1, -0.1])])).toEqual([[0, 0]]);
  });

  it("adds group rewards to the step rewards (partial rewards)", () => {
    // totals: 0.1+0.5 = 0.6, 0.1+0 = 0.1, 0+0.2 = 0.2 → mean 0.3
    const adv = computeAdvantages([group([0.1, 0.1, 0], [0.5, 0, 0.2])])[0] as number[];
    expect(adv.map((x) => Number(x.toFixed(12)))).toEqual([0.3, -0.2, -0.1]);
  });

  it("sums the rewards of every turn of a multi-turn trajectory", () => {
    const g: TrajectoryGroup = {
      trajectories: [traj(tr([1], [2], [0], 0.1), tr([1, 2, 3], [4], [0], 1)), traj(tr([1], [5], [0], 0.1))],
      finalRewards: [0, 0],
      metrics: [{}, {}],
    };
    const [adv] = computeAdvantages([g]);
    expect(adv?.[0]).toBeCloseTo(0.5, 12);
    expect(adv?.[1]).toBeCloseTo(-0.5, 12);
  });
});

describe("removeConstantRewardGroups", () => {
  it("drops constant groups, keeping one when all are constant", () => {
    const a = group([1, 1]);
    const b = group([1, 0]);
    const c = group([0, 0]);
    expect(removeConstantRewardGroups([a, b, c])).toEqual([b]);
    expect(removeConstantRewardGroups([a, c])).toEqual([a]);
  });
});

describe("trajectoryToData", () => {
  it("single turn: prompt positions get zero logprob, advantage and mask", () => {
    // sequence 10 11 12 | 20 21 → inputs 10 11 12 20, targets 11 12 20 21
    const [d, ...rest] = trajectoryToData(traj(tr([10, 11, 12], [20, 21], [-1, -2])), 0.75);
    expect(rest).toEqual([]);
    expect(d?.model_input.toInts()).toEqual([10, 11, 12, 20]);
    expect(d && arr(d, "target_tokens")).toEqual([11, 12, 20, 21]);
    expect(d && arr(d, "logprobs")).toEqual([0, 0, -1, -2]);
    expect(d && arr(d, "advantages")).toEqual([0, 0, 0.75, 0.75]);
    expect(d && arr(d, "mask")).toEqual([0, 0, 1, 1]);
  });

  it("multi-turn, each observation extending the last: one datum, env tokens masked", () => {
    // turn 1: ob [1,2] ac [3]; env replies [4,5]; turn 2: ob [1,2,3,4,5] ac [6,7]
    const t = traj(tr([1, 2], [3], [-0.5]), tr([1, 2, 3, 4, 5], [6, 7], [-0.25, -0.125]));
    const data = trajectoryToData(t, -0.5);
    expect(data).toHaveLength(1);
    const d = data[0] as (typeof data)[number];
    expect(d.model_input.toInts()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(arr(d, "target_tokens")).toEqual([2, 3, 4, 5, 6, 7]);
    expect(arr(d, "logprobs")).toEqual([0, -0.5, 0, 0, -0.25, -0.125]);
    expect(arr(d, "advantages")).toEqual([0, -0.5, 0, 0, -0.5, -0.5]);
    expect(arr(d, "mask")).toEqual([0, 1, 0, 0, 1, 1]);
  });

  it("multi-turn whose history is rewritten: a new datum per break", () => {
    const t = traj(tr([1, 2], [3], [-1]), tr([1, 2, 3, 9], [4], [-2]), tr([7, 8], [5], [-3]));
    const data = trajectoryToData(t, 1);
    expect(data.map((d) => d.model_input.toInts())).toEqual([
      [1, 2, 3, 9],
      [7, 8],
    ]);
    // targets 2 3 9 4 | 8 5: the actions 3, 4 and 5 carry the mask and the logprobs
    expect(data.map((d) => arr(d, "mask"))).toEqual([
      [0, 1, 0, 1],
      [0, 1],
    ]);
    expect(data.map((d) => arr(d, "logprobs"))).toEqual([
      [0, -1, 0, -2],
      [0, -3],
    ]);
  });

  it("a masked parse-error turn trains nothing; the other turns train normally", () => {
    const t = traj(tr([1], [2], [-1]), tr([1, 2, 3], [4], [-2], 0, { [PARSE_ERROR_MASKED_METRIC_KEY]: 1 }));
    const [d] = trajectoryToData(t, 2);
    expect(d && arr(d, "advantages")).toEqual([2, 0, 0]);
    expect(d && arr(d, "mask")).toEqual([1, 0, 0]);
    expect(d && arr(d, "logprobs")).toEqual([-1, 0, -2]);
  });

  it("refuses an action without a logprob per token", () => {
    expect(() => trajectoryToData(traj(tr([1], [2, 3], [-1])), 0)).toThrow(/2 tokens but 1 logprobs/);
  });

  it("assembles a batch with the origin of each datum, and strips the mask for sending", () => {
    const { data, origins } = assembleTrainingData([group([1, 0])], [[0.5, -0.5]]);
    expect(origins).toEqual([
      { groupIndex: 0, trajIndex: 0 },
      { groupIndex: 0, trajIndex: 1 },
    ]);
    expect(data.map((d) => arr(d, "advantages"))).toEqual([[0.5], [-0.5]]);
    expect(Object.keys(withoutMask(data[0] as (typeof data)[number]).loss_fn_inputs).sort()).toEqual([
      "advantages",
      "logprobs",
      "target_tokens",
    ]);
  });
});

describe("RL metrics", () => {
  it("KL sample/train and entropy over action tokens only", () => {
    const [d] = trajectoryToData(traj(tr([1, 2], [3, 4], [-1, -3])), 1);
    // action logprobs sampled -1, -3; trained -1.5, -2 → diffs 0.5, -1
    const m = computeKlSampleTrain([d as NonNullable<typeof d>], [[99, -1.5, -2]]);
    expect(m["optim/kl_sample_train_v1"]).toBeCloseTo(-0.25, 12);
    expect(m["optim/kl_sample_train_v2"]).toBeCloseTo(0.5 * ((0.25 + 1) / 2), 12);
    expect(m["optim/entropy"]).toBeCloseTo(2, 12);
  });

  it("discounted future sums", () => {
    expect(discountedFutureSum([1, 2, 4], 0.5)).toEqual([1 + 1 + 1, 2 + 2, 4]);
  });

  it("trajectory figures under env/all and per non-trivial tag", () => {
    const a = group([1, 0]);
    const b = group([1, 1]);
    const m = computeTrajectoryMetrics([a, b], [["x"], ["y"]]);
    expect(m["env/all/reward/total"]).toBe(0.75);
    expect(m["env/all/by_group/frac_mixed"]).toBe(0.5);
    expect(m["env/all/by_group/frac_all_good"]).toBe(0.5);
    expect(m["env/all/total_episodes"]).toBe(4);
    expect(m["env/all/ac_tokens_per_turn"]).toBe(1);
    expect(m["env/x/reward/total"]).toBe(0.5);
    expect(m["env/y/reward/total"]).toBe(1);
  });
});
