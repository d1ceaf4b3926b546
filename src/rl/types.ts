/**
 * The RL layer's shapes, as tinker-cookbook's `tinker_cookbook/rl/types.py` defines them: an `Env` an
 * agent plays one episode in, the trajectory that episode leaves, groups of envs that share a prompt
 * (for group-relative advantages), and datasets of such groups.
 */
import type { ModelInput } from "../types/model-input.js";

/** Token ids the agent produced. */
export type Action = readonly number[];
/** What stops a sampled turn: token ids or strings (a renderer's `getStopSequences()`). */
export type StopCondition = readonly number[] | readonly string[];
/** Numeric values averaged into the training logs. */
export type Metrics = Record<string, number>;
/** Diagnostics for display, not averaged. */
export type Logs = Record<string, string | number>;

/** A sampled action: its tokens and the sampler's log-probability of each. */
export interface TokensWithLogprobs {
  readonly tokens: readonly number[];
  readonly logprobs: readonly number[];
  /** Why sampling stopped: `"stop"` (a stop sequence or EOS) or `"length"` (max tokens). */
  readonly stopReason?: "stop" | "length";
}

/** An observation and what stops the next turn. */
export interface Observation {
  readonly observation: ModelInput;
  readonly stop: StopCondition;
}

/** What `Env.step` returns. */
export interface StepResult {
  /** Immediate reward for this action. */
  readonly reward: number;
  readonly episodeDone: boolean;
  /** The next prompt (the final observation when `episodeDone`). */
  readonly nextObservation: ModelInput;
  readonly nextStop: StopCondition;
  readonly metrics?: Metrics;
  readonly logs?: Logs;
}

/** Extra facts about an action, handed to `Env.step`. */
export interface ActionExtra {
  readonly stopReason?: "stop" | "length";
  readonly signal?: AbortSignal;
}

/**
 * A single-use environment: one agent, one episode. Multi-turn envs return `episodeDone: false` and a
 * next observation that usually extends the previous prompt with the action and the env's reply.
 */
export interface Env {
  /** The first prompt and what stops the first turn. */
  initialObservation(signal?: AbortSignal): Promise<Observation>;
  /** Applies the agent's action: its reward, whether the episode ended, and the next prompt. */
  step(action: Action, extra?: ActionExtra): Promise<StepResult>;
}

/** One (observation, action, reward) step of a trajectory. */
export interface Transition {
  readonly ob: ModelInput;
  readonly ac: TokensWithLogprobs;
  readonly reward: number;
  readonly episodeDone: boolean;
  readonly metrics: Metrics;
  readonly logs: Logs;
}

/** A whole episode. */
export interface Trajectory {
  readonly transitions: readonly Transition[];
  /** The observation after the last action. */
  readonly finalOb: ModelInput;
  /** Why the episode ended, when known (`completed`, `max_turns`, `parse_error`, …). */
  readonly stopReason?: string;
}

/**
 * Builds the envs of one group. Groups exist so that GRPO-style algorithms can centre rewards across
 * the group, and so that a reward may look at the whole group (pairwise judges).
 */
export interface EnvGroupBuilder {
  /** The group's envs, fresh for one rollout each. */
  makeEnvs(): Promise<readonly Env[]>;
  /**
   * A final reward (and metrics) per trajectory, added to the sum of its step rewards. Absent means
   * zero for every trajectory.
   */
  computeGroupRewards?(
    trajectories: readonly Trajectory[],
    envs: readonly Env[],
  ): Promise<ReadonlyArray<readonly [number, Metrics]>>;
  /** Releases what `makeEnvs` created; called after every rollout, even a failed one. */
  cleanup?(): Promise<void>;
  /** Tags under which this group's metrics are also reported (`env/<tag>/…`). */
  loggingTags?(): readonly string[];
}

/** The trajectories of one group and the group-level rewards computed for them. */
export interface TrajectoryGroup {
  readonly trajectories: readonly Trajectory[];
  readonly finalRewards: readonly number[];
  readonly metrics: readonly Metrics[];
}

/** Batches of env groups; batch `i` is training step `i`. */
export interface RLDataset {
  /** The groups of batch `index` (0 ≤ index < length). */
  getBatch(index: number): readonly EnvGroupBuilder[];
  /** Number of batches. */
  readonly length: number;
}

/** Each trajectory's return: the sum of its step rewards plus its group reward (cookbook `get_total_rewards`). */
export function totalRewards(group: TrajectoryGroup): number[] {
  if (group.trajectories.length !== group.finalRewards.length) {
    throw new RangeError(
      `trajectory group has ${group.trajectories.length} trajectories but ${group.finalRewards.length} final rewards`,
    );
  }
  return group.trajectories.map(
    (t, i) => t.transitions.reduce((s, tr) => s + tr.reward, 0) + (group.finalRewards[i] as number),
  );
}
