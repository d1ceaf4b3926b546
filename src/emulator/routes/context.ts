/**
 * What every route module gets: the emulator's state and settings.
 */
import type { ArchiveTickets } from "../archive.js";
import type { FaultInjector } from "../faults.js";
import type { FuturesStore } from "../futures-store.js";
import type { EmulatorLimits } from "../limits.js";
import type { RequestLog } from "../request-log.js";
import type { Store } from "../store.js";

/** Shared state handed to route modules. */
export interface EmulatorState {
  /** Sessions, models, runs and checkpoints. @internal */
  readonly store: Store;
  /** Submitted work and its results. @internal */
  readonly futures: FuturesStore;
  /** Every request seen (also `Emulator.log`). */
  readonly log: RequestLog;
  /** Scripted and random faults (also `Emulator.faults`). */
  readonly faults: FaultInjector;
  /** Per-request limits (body size, tokens, samples, datums). */
  readonly limits: EmulatorLimits;
  /** One-time download tickets of checkpoint archives. */
  readonly archives: ArchiveTickets;
  /** How long `retrieve_future` holds a pending poll. */
  pollHoldMs: number;
  /** How a poll that is still pending after the hold is answered. */
  pendingResponse: "try_again" | "408";
  /** Telemetry batches received. */
  readonly telemetry: unknown[];
  /** The emulator's base URL (known once listening). */
  baseUrl(): string;
}
