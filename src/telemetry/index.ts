import { randomUUID } from "node:crypto";
import type { ResolvedConfig } from "../core/config.js";
import type { Transport } from "../core/transport.js";

/** Severity levels used by 0.4.1 telemetry events. */
export type TelemetrySeverity = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";

/** One telemetry event as sent on the wire (snake_case, as in 0.4.1). */
export interface TelemetryEvent {
  event: "SESSION_START" | "SESSION_END" | "GENERIC_EVENT" | "UNHANDLED_EXCEPTION";
  event_id: string;
  event_session_index: number;
  severity: TelemetrySeverity;
  timestamp: string;
  event_name?: string;
  event_data?: Record<string, unknown>;
  [extra: string]: unknown;
}

/** Injected time sources so tests run in milliseconds. */
export interface TelemetryDeps {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Limits of the 0.4.1 reporter (batch size, flush period, queue bound, retry delay). */
export const TELEMETRY_LIMITS = {
  batchSize: 100,
  flushIntervalMs: 10_000,
  maxQueue: 10_000,
  retryDelayMs: 1_000,
};

/** Options for {@link TelemetryReporter}. */
export interface TelemetryReporterOptions {
  transport: Transport;
  sessionId: string;
  deps?: Partial<TelemetryDeps>;
}

/**
 * Batches events and POSTs them to /api/v1/telemetry. Fire-and-forget: no method ever
 * throws into user code, and the periodic timer is unref'd so it never keeps the process alive.
 */
export class TelemetryReporter {
  /** Events dropped because the queue was full. */
  dropped = 0;
  private readonly queue: TelemetryEvent[] = [];
  private index = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly deps: TelemetryDeps;

  constructor(private readonly opts: TelemetryReporterOptions) {
    this.deps = {
      now: opts.deps?.now ?? Date.now,
      sleep: opts.deps?.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms).unref())),
    };
    this.timer = setInterval(() => void this.flush(), TELEMETRY_LIMITS.flushIntervalMs);
    this.timer.unref();
  }

  /** Records SESSION_START. */
  logSessionStart(): void {
    this.push({ event: "SESSION_START", severity: "INFO" });
  }

  /** Records SESSION_END. */
  logSessionEnd(): void {
    this.push({ event: "SESSION_END", severity: "INFO" });
  }

  /** Records an exception; user errors are logged as a WARNING "user_error" generic event as 0.4.1 does. */
  logException(error: unknown, severity: TelemetrySeverity = "ERROR", userError = false): void {
    const err = error instanceof Error ? error : new Error(String(error));
    const type = (err.constructor?.name as string | undefined) ?? err.name;
    if (userError) this.logGenericEvent("user_error", { error_type: type, message: err.message }, "WARNING");
    else
      this.push({
        event: "UNHANDLED_EXCEPTION",
        severity,
        error_type: type,
        error_message: err.message,
        traceback: err.stack ?? "",
      });
    void this.flush();
  }

  /** Records a GENERIC_EVENT with the given name and data. */
  logGenericEvent(name: string, data: Record<string, unknown>, severity: TelemetrySeverity = "INFO"): void {
    this.push({ event: "GENERIC_EVENT", severity, event_name: name, event_data: data });
  }

  /** Sends everything queued (in batches of ≤ 100); never rejects. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops the timer and flushes. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private push(e: Omit<TelemetryEvent, "event_id" | "event_session_index" | "timestamp">): void {
    const full = {
      ...e,
      event_id: randomUUID(),
      event_session_index: this.index++,
      timestamp: new Date(this.deps.now()).toISOString(),
    } as TelemetryEvent;
    if (this.queue.length >= TELEMETRY_LIMITS.maxQueue) this.dropped++;
    else this.queue.push(full);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const events = this.queue.splice(0, TELEMETRY_LIMITS.batchSize);
      if (!(await this.send(events))) {
        await this.deps.sleep(TELEMETRY_LIMITS.retryDelayMs);
        if (!(await this.send(events))) return;
      }
    }
  }

  private async send(events: TelemetryEvent[]): Promise<boolean> {
    const body = {
      events,
      platform: process.platform,
      sdk_version: "0.4.1",
      session_id: this.opts.sessionId,
    };
    try {
      await this.opts.transport.request({
        method: "POST",
        path: "/api/v1/telemetry",
        pool: "telemetry",
        body,
        maxRetries: 0,
      });
      return true;
    } catch {
      return false;
    }
  }
}

/** Returns a reporter, or null when telemetry is disabled (TINKER_TELEMETRY=0 / `telemetry: false`). */
export function createTelemetry(
  config: ResolvedConfig,
  transport: Transport,
  sessionId: string,
  deps?: Partial<TelemetryDeps>,
): TelemetryReporter | null {
  if (!config.telemetryEnabled) return null;
  return new TelemetryReporter({ transport, sessionId, deps });
}
