/**
 * `tinker-ts/rl`: reinforcement learning on top of the SDK, after tinker-cookbook's `rl` package —
 * environments and rollouts, group-centred advantages, trajectory → datum conversion, KL metrics,
 * and synchronous / off-policy training loops with checkpoints and resume.
 */
export { AsyncQueue } from "./async-queue.js";
export {
  assembleTrainingData,
  computeAdvantages,
  type DatumOrigin,
  PARSE_ERROR_MASKED_METRIC_KEY,
  removeConstantRewardGroups,
  trajectoryToData,
  withoutMask,
} from "./data-processing.js";
export { Limiter } from "./limiter.js";
export {
  computeKlSampleTrain,
  computePostKl,
  computeTrajectoryMetrics,
  dictMean,
  discountedFutureSum,
  fullSequence,
  incorporateKlPenalty,
} from "./metrics.js";
export {
  type GroupRolloutOptions,
  mixSeed,
  type PolicyCall,
  type RolloutOptions,
  runGroupRollout,
  runRollout,
  type SamplingPolicyOptions,
  samplingPolicy,
  stopReasonFromMetrics,
  type TokenCompleter,
} from "./rollouts.js";
export {
  CHECKPOINTS_FILE,
  type CheckpointKind,
  type CheckpointRecord,
  emitProgress,
  lastCheckpoint,
  METRICS_FILE,
  MetricsLog,
  type ProgressSink,
  progressLine,
  readCheckpoints,
  saveCheckpoint,
} from "./run-log.js";
export { type AsyncOptions, type RLConfig, type RLRunResult, trainRL } from "./train.js";
export {
  type PrepareOptions,
  prepareMinibatch,
  type RLLossFn,
  splitList,
  type TrainStepOptions,
  trainStep,
} from "./train-step.js";
export type {
  Action,
  ActionExtra,
  Env,
  EnvGroupBuilder,
  Logs,
  Metrics,
  Observation,
  RLDataset,
  StepResult,
  StopCondition,
  TokensWithLogprobs,
  Trajectory,
  TrajectoryGroup,
  Transition,
} from "./types.js";
export { totalRewards } from "./types.js";
// The renderer contract the envs are written against (also exported where the renderers live).
export type {
  ContentPart,
  Message,
  ParsedResponse,
  Renderer,
  Role,
  SupervisedExample,
  Termination,
  TextPart,
  ThinkingPart,
  ToolCall,
  ToolSpec,
  TrainOnWhat,
  UnparsedToolCall,
} from "../renderers/types.js";
export { datasetFrom, type ProblemEnvOptions, problemEnv, problemGroupBuilder } from "./problem-env.js";
