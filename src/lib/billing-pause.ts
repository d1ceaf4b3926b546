/**
 * The 0.25.0 billing pause of one holder (golden v0.25 README, fact 16): a 402 means the account
 * is paused for billing, and the SDK waits and re-sends instead of failing — in the SDK-level retry
 * loop, the sampling submit and the poller alike — until the pause has lasted longer than the
 * server's `billing_exception_max_pause_duration_sec`, counted from the holder's first 402. Then
 * the 402 is raised. The window starts again after 5 min without a 402 warning; the warning is
 * logged at most once a minute. Pure state: the loops that sleep ask {@link BillingPause.shouldPause}.
 */

/** Where the pause reports (the SDK logger's `warn`/`error`). */
export interface BillingPauseLog {
  warn(message: string): void;
  error(message: string): void;
}

/** How a holder's pause is set up. */
export interface BillingPauseOptions {
  /** The clock (ms). */
  now: () => number;
  /** The longest pause before a 402 is raised (ms; read at each 402: the server may set it late). */
  maxPauseMs: () => number;
  log?: BillingPauseLog;
}

/** The "paused" warning is logged at most this often (0.25.0 BILLING_EXCEPTION_LOGGING_INTERVAL_SEC). */
export const BILLING_LOG_INTERVAL_MS = 60_000;
/** No warning for this long: the next 402 starts a new incident (BILLING_EXCEPTION_RESET_DURATION_SEC). */
export const BILLING_RESET_AFTER_MS = 300_000;

/** One holder's billing-pause window (0.25.0 `_should_pause_on_billing`). */
export class BillingPause {
  readonly #o: BillingPauseOptions;
  #first: number | undefined;
  #lastLogged: number | undefined;

  constructor(options: BillingPauseOptions) {
    this.#o = options;
  }

  /** When the current incident's first 402 arrived (ms), if one is open. */
  get pausedSince(): number | undefined {
    return this.#first;
  }

  /**
   * Whether a response of `status` should be waited out and re-sent: true for a 402 inside the
   * window (opening it on the first), false for any other status and for a 402 after the window
   * (logged as an error; the caller raises). `detail` is the error's message, for the log.
   */
  shouldPause(status: number, detail: string): boolean {
    if (status !== 402) return false;
    const now = this.#o.now();
    if (this.#lastLogged !== undefined && now - this.#lastLogged > BILLING_RESET_AFTER_MS) {
      this.#first = undefined;
      this.#lastLogged = undefined;
    }
    if (this.#first !== undefined && now - this.#first > this.#o.maxPauseMs()) {
      this.#o.log?.error(
        `The job was paused due to billing status for ${(now - this.#first) / 1000} seconds. ` +
          "This has been happening for too long. Aborting.",
      );
      return false;
    }
    if (this.#lastLogged === undefined || now - this.#lastLogged > BILLING_LOG_INTERVAL_MS) {
      this.#lastLogged = now;
      this.#o.log?.warn(`The job is paused due to billing status. Error: ${detail}`);
    }
    this.#first ??= now;
    return true;
  }
}
