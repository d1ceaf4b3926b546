/**
 * The emulator: a local Tinker API server for tests, demos and offline use.
 */
export type { ArchiveTarget, ArchiveTickets } from "./archive.js";
export type { IdempotencyOptions } from "./idempotency.js";
export type { EmulatorLimits } from "./limits.js";
export type * from "./engine.js";
export type { FaultAction, FaultQueueState, FaultRule, FaultShape, RandomFaults } from "./faults.js";
export { FaultInjector } from "./faults.js";
export { seededRandom } from "../lib/seeded-random.js";
export { FutureFailure } from "./futures-store.js";
export type { AppliedStep, LoggedRequest, RequestLogLimits, SeqViolation } from "./request-log.js";
export { RequestLog } from "./request-log.js";
export { EMULATOR_TOKENIZER_ID } from "./routes/models.js";
export type { EmulatorState } from "./routes/context.js";
export type { Emulator, EmulatorOptions } from "./server.js";
export { startEmulator } from "./server.js";
export type { EmulatorV025Options } from "./v0_25/index.js";
export { billingFault, V025Controls } from "./v0_25/index.js";
export type { ClientConfigFlags } from "../protocol/client-config.js";
