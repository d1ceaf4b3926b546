/**
 * `tinker-ts/preference`: preference learning on top of the SDK, after tinker-cookbook's
 * `preference` package — pairwise comparison datasets and DPO through `forwardBackwardCustom`.
 */
export { ComparisonDataset, comparisonToData, datumFromTokensWeights } from "./dataset.js";
export { computeDpoLoss, type DpoMetrics, dpoLossFn, logSigmoid, sigmoid } from "./dpo-loss.js";
export { type DpoConfig, type DpoRunResult, referenceLogprobs, trainDpo } from "./train-dpo.js";
export { type Comparison, type LabeledComparison, swapComparison, swapLabeled } from "./types.js";
