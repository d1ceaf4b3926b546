/**
 * Rollouts, as tinker-cookbook's `rl/rollouts.py` and `rollout_runner.py` without the optional
 * limits and hooks: one episode per env, a whole group at once through one SamplingClient.
 */
import { setMaxListeners } from "node:events";
import type { SamplingClient } from "../clients/sampling-client.js";
import type { ModelInput } from "../types/model-input.js";
import type { SamplingParams } from "../types/params.js";
import type { Limiter } from "./limiter.js";
import type {
  Env,
  EnvGroupBuilder,
  Metrics,
  StopCondition,
  TokensWithLogprobs,
  Trajectory,
  TrajectoryGroup,
  Transition,
} from "./types.js";

/** Options of one policy call. */
export interface PolicyCall {
  readonly signal?: AbortSignal;
  /** Sampling seed for this call (reproducible rollouts); random when absent. */
  readonly seed?: number;
}

/**
 * A token-level policy: the action for an observation (cookbook `TokenCompleter`). `many`, when
 * present, samples `n` independent actions for one observation in one request; group rollouts use it
 * for the first turn when every env of the group starts from the same prompt.
 */
export interface TokenCompleter {
  /** One action for `observation`, sampled until `stop`. */
  (observation: ModelInput, stop: StopCondition, call?: PolicyCall): Promise<TokensWithLogprobs>;
  /** `n` independent actions for one observation, in one request. */
  many?(
    observation: ModelInput,
    stop: StopCondition,
    n: number,
    call?: PolicyCall,
  ): Promise<TokensWithLogprobs[]>;
}

/** Options of {@link samplingPolicy}. */
export interface SamplingPolicyOptions {
  /** Most tokens per turn. */
  readonly maxTokens: number;
  /** Defaults to 1, as the cookbook recommends for RL. */
  readonly temperature?: number;
  /** Bounds how many sample requests are in flight (shared across groups when shared). */
  readonly limiter?: Limiter;
}

/** A policy that samples from `sampler` (cookbook `TinkerTokenCompleter`), one request per call. */
export function samplingPolicy(sampler: SamplingClient, options: SamplingPolicyOptions): TokenCompleter {
  const { maxTokens, temperature = 1, limiter } = options;
  const sampleN = async (
    observation: ModelInput,
    stop: StopCondition,
    n: number,
    call: PolicyCall,
  ): Promise<TokensWithLogprobs[]> => {
    const params: SamplingParams = {
      max_tokens: maxTokens,
      temperature,
      stop: [...stop] as number[] | string[],
      ...(call.seed === undefined ? {} : { seed: call.seed }),
    };
    const run = async () => {
      const r = await sampler.sample(observation, n, params, { signal: call.signal });
      if (r.sequences.length !== n)
        throw new Error(`sample returned ${r.sequences.length} sequences, asked for ${n}`);
      return r.sequences.map((seq) => {
        if (!seq.logprobs || seq.logprobs.length !== seq.tokens.length) {
          throw new Error("sample returned no logprob per token; RL needs them for importance sampling");
        }
        return {
          tokens: seq.tokens,
          logprobs: seq.logprobs,
          stopReason: seq.stop_reason === "length" ? ("length" as const) : ("stop" as const),
        };
      });
    };
    return limiter ? limiter.run(run, call.signal) : run();
  };
  const one = async (observation: ModelInput, stop: StopCondition, call: PolicyCall = {}) =>
    (await sampleN(observation, stop, 1, call))[0] as TokensWithLogprobs;
  return Object.assign(one, {
    many: (observation: ModelInput, stop: StopCondition, n: number, call: PolicyCall = {}) =>
      sampleN(observation, stop, n, call),
  });
}

/** A 32-bit mix of integers, so that each (step, group, env, turn) gets its own reproducible seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  }
  return h >>> 0;
}

const STOP_PREFIX = "stop/";

/** The `stop/<reason>` key of a transition's metrics, if any (the cookbook's stop-reason convention). */
export function stopReasonFromMetrics(metrics: Metrics): string | undefined {
  for (const k of Object.keys(metrics)) if (k.startsWith(STOP_PREFIX)) return k.slice(STOP_PREFIX.length);
  return undefined;
}

/** Options of one rollout. */
export interface RolloutOptions {
  readonly signal?: AbortSignal;
  /** Base seed of this episode; turn `t` samples with `mixSeed(seed, t)`. */
  readonly seed?: number;
  /** Ends the episode after this many turns (stop reason `max_turns`); unbounded when absent. */
  readonly maxTurns?: number;
  /** The initial observation, already taken, and optionally the first action, already sampled. */
  readonly start?: {
    readonly observation: ModelInput;
    readonly stop: StopCondition;
    readonly action?: TokensWithLogprobs;
  };
}

/** Plays one episode of `env` with `policy` (cookbook `do_single_rollout`). */
export async function runRollout(
  policy: TokenCompleter,
  env: Env,
  options: RolloutOptions = {},
): Promise<Trajectory> {
  const { signal, seed, maxTurns, start } = options;
  let { observation: ob, stop } = start ?? (await env.initialObservation(signal));
  const transitions: Transition[] = [];
  for (let turn = 0; ; turn++) {
    signal?.throwIfAborted();
    if (maxTurns !== undefined && turn >= maxTurns)
      return { transitions, finalOb: ob, stopReason: "max_turns" };
    const ac =
      turn === 0 && start?.action
        ? start.action
        : await policy(ob, stop, { signal, seed: seed === undefined ? undefined : mixSeed(seed, turn) });
    const step = await env.step(ac.tokens, { stopReason: ac.stopReason, signal });
    const metrics = { ...(step.metrics ?? {}) };
    transitions.push({
      ob,
      ac,
      reward: step.reward,
      episodeDone: step.episodeDone,
      metrics,
      logs: { ...(step.logs ?? {}) },
    });
    if (step.episodeDone) {
      const stopReason = stopReasonFromMetrics(metrics);
      return { transitions, finalOb: step.nextObservation, ...(stopReason ? { stopReason } : {}) };
    }
    ob = step.nextObservation;
    stop = step.nextStop;
  }
}

function sameTokens(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The initial observations of a group and, when they are all the same prompt with the same stop
 * condition (the usual GRPO case) and the policy can, the first actions of all envs in one request.
 */
async function firstTurns(
  envs: readonly Env[],
  policy: TokenCompleter,
  signal: AbortSignal,
  options: GroupRolloutOptions,
): Promise<NonNullable<RolloutOptions["start"]>[]> {
  const obs = await Promise.all(envs.map((e) => e.initialObservation(signal)));
  const first = obs[0];
  if (!first || !policy.many || envs.length < 2 || (options.maxTurns ?? 1) < 1) return obs;
  const tokens = first.observation.chunks.every((c) => c.type === "encoded_text")
    ? first.observation.toInts()
    : null;
  const shared =
    tokens !== null &&
    obs.every(
      (o) =>
        o.observation.chunks.every((c) => c.type === "encoded_text") &&
        sameTokens(o.observation.toInts(), tokens) &&
        o.stop.length === first.stop.length &&
        o.stop.every((x, i) => x === first.stop[i]),
    );
  if (!shared) return obs;
  const actions = await policy.many(first.observation, first.stop, envs.length, {
    signal,
    seed: options.seed === undefined ? undefined : mixSeed(options.seed, 0x5eed),
  });
  return obs.map((o, i) => ({ ...o, action: actions[i] }));
}

/** Options of a group rollout. */
export interface GroupRolloutOptions {
  readonly signal?: AbortSignal;
  /** Base seed of the group; env `i` plays with `mixSeed(seed, i)`. */
  readonly seed?: number;
  readonly maxTurns?: number;
}

/**
 * Runs every env of a group concurrently, then the group rewards (cookbook `do_group_rollout`). The
 * first failure aborts the others; every rollout has settled before `cleanup` runs and the error is
 * rethrown, so nothing is left running.
 */
export async function runGroupRollout(
  builder: EnvGroupBuilder,
  policy: TokenCompleter,
  options: GroupRolloutOptions = {},
): Promise<TrajectoryGroup> {
  const inner = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, inner.signal]) : inner.signal;
  // Every env's requests listen on this one signal: more than Node's default of 10 is expected.
  setMaxListeners(0, signal);
  try {
    const envs = await builder.makeEnvs();
    const starts = await firstTurns(envs, policy, signal, options);
    const settled = await Promise.allSettled(
      envs.map((env, i) =>
        runRollout(policy, env, {
          signal,
          maxTurns: options.maxTurns,
          seed: options.seed === undefined ? undefined : mixSeed(options.seed, i),
          start: starts[i],
        }).catch((err: unknown) => {
          inner.abort(err);
          throw err;
        }),
      ),
    );
    // Report the first real failure, not the aborts it caused in the sibling rollouts.
    const failed = settled.find(
      (s): s is PromiseRejectedResult => s.status === "rejected" && s.reason === inner.signal.reason,
    );
    const anyFailed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed ?? anyFailed) throw (failed ?? anyFailed)?.reason;
    const trajectories = settled.map((s) => (s as PromiseFulfilledResult<Trajectory>).value);
    const graded = builder.computeGroupRewards
      ? await builder.computeGroupRewards(trajectories, envs)
      : trajectories.map(() => [0, {}] as const);
    if (graded.length !== trajectories.length) {
      throw new RangeError(
        `computeGroupRewards returned ${graded.length} rewards for ${trajectories.length} trajectories`,
      );
    }
    return {
      trajectories,
      finalRewards: graded.map((g) => g[0]),
      metrics: graded.map((g) => ({ ...g[1] })),
    };
  } finally {
    await builder.cleanup?.();
  }
}
