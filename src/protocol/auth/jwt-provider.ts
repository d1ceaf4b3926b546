/**
 * The JWT a holder sends once `pjwt_auth_enabled` is on (fact 17): exchanged at start, refreshed in
 * the background `refreshBeforeExpiryMs` (300 s) before `exp`, and on demand before a request when
 * at most `refreshOnDemandWithinMs` (60 s) are left. One exchange at a time; a failed refresh keeps
 * the token it has (the background loop tries again after 60 s). Clock and sleep are injected.
 */
import { jwtExpiryMs, jwtRemainingMs } from "./jwt.js";

/** Time source and sleep (the `deps` of the clients). */
export interface AuthClock {
  now(): number;
  /** Resolves after `ms`, rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Options of `JwtAuthProvider`. */
export interface JwtAuthProviderOptions {
  /** Exchanges the credential for a fresh JWT (see `makeTokenExchange`). */
  exchange: () => Promise<string>;
  clock: AuthClock;
  /** A JWT already held (a second holder seeded by the first): no exchange at `init`. */
  seedToken?: string;
  refreshBeforeExpiryMs?: number;
  refreshOnDemandWithinMs?: number;
  /** Pause after a failed background refresh (60 s). */
  retryDelayMs?: number;
  /** Told about refresh failures (the SDK logs them); never throws into the loop. */
  onRefreshError?: (error: unknown, where: "background" | "on-demand") => void;
}

/** Holds and refreshes one holder's JWT. */
export class JwtAuthProvider {
  private current: string;
  private inflight: Promise<string> | undefined;
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly beforeMs: number;
  private readonly onDemandMs: number;
  private readonly retryMs: number;

  constructor(private readonly o: JwtAuthProviderOptions) {
    this.current = o.seedToken ?? "";
    this.beforeMs = o.refreshBeforeExpiryMs ?? 300_000;
    this.onDemandMs = o.refreshOnDemandWithinMs ?? 60_000;
    this.retryMs = o.retryDelayMs ?? 60_000;
  }

  /** The JWT held now ("" before the first exchange). */
  get token(): string {
    return this.current;
  }

  /**
   * Exchanges a first JWT (unless seeded), then starts the background refresh. Errors of the first
   * exchange propagate (the caller wraps this in its retry loop).
   */
  async init(): Promise<string> {
    const token = this.current || (await this.fetchOnce());
    this.loop ??= this.refreshLoop();
    return token;
  }

  /** The held JWT while more than the on-demand margin (60 s) is left, else undefined (no await). */
  freshToken(): string | undefined {
    return this.current && jwtRemainingMs(this.current, this.o.clock.now()) > this.onDemandMs
      ? this.current
      : undefined;
  }

  /**
   * The JWT to send with a request: the held one while more than 60 s are left, else a fresh one.
   * A failed on-demand refresh falls back to the held token (null when there is none).
   */
  async getToken(): Promise<string | null> {
    const fresh = this.freshToken();
    if (fresh !== undefined) return fresh;
    try {
      return await this.fetchOnce();
    } catch (e) {
      this.o.onRefreshError?.(e, "on-demand");
      return this.current || null;
    }
  }

  /** Stops the background refresh; resolves when the loop has ended. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.loop;
  }

  /** One exchange at a time: concurrent callers share it. */
  private fetchOnce(): Promise<string> {
    this.inflight ??= this.o
      .exchange()
      .then((jwt) => {
        this.current = jwt;
        return jwt;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private delayUntilRefresh(): number {
    try {
      return Math.max(0, jwtExpiryMs(this.current) - this.o.clock.now() - this.beforeMs);
    } catch {
      return this.retryMs;
    }
  }

  private async refreshLoop(): Promise<void> {
    const signal = this.stop.signal;
    while (!signal.aborted) {
      try {
        await this.o.clock.sleep(this.delayUntilRefresh(), signal);
      } catch {
        return; // aborted
      }
      if (signal.aborted) return;
      try {
        await this.fetchOnce();
      } catch (e) {
        this.o.onRefreshError?.(e, "background");
        try {
          await this.o.clock.sleep(this.retryMs, signal);
        } catch {
          return;
        }
      }
    }
  }
}
