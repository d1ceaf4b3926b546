/**
 * `tinker-ts/supervised`: supervised fine-tuning as tinker-cookbook does it — conversations to
 * `Datum`s through a renderer, JSONL conversation datasets, learning rates and schedules, and the
 * `train` loop with checkpoints, resume and metrics logs.
 */
export {
  type ConversationDatumOptions,
  computeMeanNll,
  conversationToDatum,
  type DatumOptions,
  datumFromModelInputWeights,
  type WeightReduction,
} from "./datum.js";
export {
  type ConversationDatasetOptions,
  type ConversationFileOptions,
  type ConversationRow,
  conversationDataset,
  conversationFileDataset,
  RowDataset,
  readConversationsJsonl,
  type SupervisedDataset,
  seededPermutation,
} from "./dataset.js";
export { SupervisedError, type SupervisedErrorCode } from "./errors.js";
export {
  CHECKPOINTS_FILE,
  type CheckpointRecord,
  lastCheckpoint,
  METRICS_FILE,
  type MetricsRecord,
  readCheckpoints,
  readMetrics,
} from "./log-files.js";
export { type GetLrOptions, getLr, KNOWN_HIDDEN_SIZES, type LrSchedule, lrMultiplier } from "./lr.js";
export { type ConversationFileSource, type TrainConfig, type TrainResult, train } from "./train.js";
