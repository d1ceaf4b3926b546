/** Rollouts with a scripted policy: multi-turn episodes, group batching, abort and failure handling. */
import { describe, expect, it } from "vitest";
import { ModelInput } from "../../src/index.js";
import {
  type Env,
  type EnvGroupBuilder,
  Limiter,
  runGroupRollout,
  runRollout,
  type TokenCompleter,
} from "../../src/rl/index.js";

/** A policy that answers with the observation's length, and records its calls. */
function scripted(calls: Array<{ ob: number[]; seed?: number }>, many = false): TokenCompleter {
  const one: TokenCompleter = async (ob, _stop, call = {}) => {
    calls.push({ ob: ob.toInts(), seed: call.seed });
    return { tokens: [ob.length], logprobs: [-0.5], stopReason: "stop" };
  };
  if (!many) return one;
  return Object.assign(one, {
    many: async (ob: ModelInput, stop: readonly number[] | readonly string[], n: number) =>
      Promise.all(Array.from({ length: n }, () => one(ob, stop))),
  });
}

/** Two turns: the env appends its reply [100] after the first action, ends after the second. */
function twoTurnEnv(): Env {
  let history = [1, 2];
  return {
    async initialObservation() {
      return { observation: ModelInput.fromInts(history), stop: [257] };
    },
    async step(action) {
      history = [...history, ...action, 100];
      const done = history.length > 4;
      const metrics: Record<string, number> = done ? { "stop/completed": 1 } : { turn: 1 };
      return {
        reward: done ? 1 : 0.25,
        episodeDone: done,
        nextObservation: ModelInput.fromInts(history),
        nextStop: [257],
        metrics,
      };
    },
  };
}

describe("runRollout", () => {
  it("plays a multi-turn episode to its end, recording each transition", async () => {
    const calls: Array<{ ob: number[] }> = [];
    const t = await runRollout(scripted(calls), twoTurnEnv(), { seed: 7 });
    expect(calls.map((c) => c.ob)).toEqual([
      [1, 2],
      [1, 2, 2, 100],
    ]);
    expect(t.transitions.map((x) => [x.reward, x.episodeDone, x.ac.tokens])).toEqual([
      [0.25, false, [2]],
      [1, true, [4]],
    ]);
    expect(t.finalOb.toInts()).toEqual([1, 2, 2, 100, 4, 100]);
    expect(t.stopReason).toBe("completed");
  });

  it("stops at maxTurns", async () => {
    const t = await runRollout(scripted([]), twoTurnEnv(), { maxTurns: 1 });
    expect(t.transitions).toHaveLength(1);
    expect(t.stopReason).toBe("max_turns");
  });

  it("gives each turn its own reproducible seed", async () => {
    const a: Array<{ ob: number[]; seed?: number }> = [];
    const b: Array<{ ob: number[]; seed?: number }> = [];
    await runRollout(scripted(a), twoTurnEnv(), { seed: 3 });
    await runRollout(scripted(b), twoTurnEnv(), { seed: 3 });
    expect(a.map((c) => c.seed)).toEqual(b.map((c) => c.seed));
    expect(new Set(a.map((c) => c.seed)).size).toBe(2);
  });
});

const builder = (envs: () => Env[], log: string[] = []): EnvGroupBuilder => ({
  async makeEnvs() {
    return envs();
  },
  async computeGroupRewards(trajs) {
    return trajs.map((_, i) => [i * 0.5, { judged: 1 }] as const);
  },
  async cleanup() {
    log.push("cleanup");
  },
});

describe("runGroupRollout", () => {
  it("samples the shared first turn of a group in one request, then each env on its own", async () => {
    const calls: Array<{ ob: number[] }> = [];
    let manyCalls = 0;
    const base = scripted(calls);
    const policy = Object.assign(base, {
      many: async (ob: ModelInput, stop: readonly number[] | readonly string[], n: number) => {
        manyCalls++;
        return Promise.all(Array.from({ length: n }, () => base(ob, stop)));
      },
    });
    const log: string[] = [];
    const g = await runGroupRollout(
      builder(() => [twoTurnEnv(), twoTurnEnv(), twoTurnEnv()], log),
      policy,
    );
    expect(manyCalls).toBe(1);
    expect(g.trajectories).toHaveLength(3);
    expect(g.trajectories.every((t) => t.transitions.length === 2)).toBe(true);
    expect(g.finalRewards).toEqual([0, 0.5, 1]);
    expect(g.metrics).toEqual([{ judged: 1 }, { judged: 1 }, { judged: 1 }]);
    expect(log).toEqual(["cleanup"]);
  });

  it("a failing env aborts its siblings, cleans up once everything settled, and rethrows", async () => {
    const log: string[] = [];
    let siblingSawAbort = false;
    const failing: Env = {
      async initialObservation() {
        return { observation: ModelInput.fromInts([1]), stop: [] };
      },
      async step() {
        throw new Error("env broke");
      },
    };
    const slow: Env = {
      async initialObservation() {
        return { observation: ModelInput.fromInts([2]), stop: [] };
      },
      step(_a, extra) {
        return new Promise((_, reject) =>
          extra?.signal?.addEventListener("abort", () => {
            siblingSawAbort = true;
            log.push("sibling aborted");
            reject(extra.signal?.reason);
          }),
        );
      },
    };
    await expect(
      runGroupRollout(
        builder(() => [failing, slow], log),
        scripted([]),
      ),
    ).rejects.toThrow("env broke");
    expect(siblingSawAbort).toBe(true);
    expect(log).toEqual(["sibling aborted", "cleanup"]);
  });

  it("an outer abort stops the rollout with its reason", async () => {
    const ac = new AbortController();
    ac.abort(new Error("stop now"));
    await expect(
      runGroupRollout(
        builder(() => [twoTurnEnv()]),
        scripted([]),
        { signal: ac.signal },
      ),
    ).rejects.toThrow("stop now");
  });
});

describe("Limiter", () => {
  it("never runs more than its limit at once, and releases waiters that abort", async () => {
    const lim = new Limiter(2);
    let active = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const task = () =>
      lim.run(
        () =>
          new Promise<void>((resolve) => {
            active++;
            peak = Math.max(peak, active);
            release.push(() => {
              active--;
              resolve();
            });
          }),
      );
    const runs = [task(), task(), task(), task()];
    const ac = new AbortController();
    const aborted = lim.run(async () => "never", ac.signal);
    ac.abort(new Error("gave up"));
    await expect(aborted).rejects.toThrow("gave up");
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setImmediate(r));
      release.shift()?.();
    }
    await Promise.all(runs);
    expect(peak).toBe(2);
  });
});
