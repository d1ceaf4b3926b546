/**
 * Building telemetry events exactly as 0.4.1's `Telemetry` does: which error counts as a user
 * error, what a `user_error` event carries, how SESSION_END formats its duration.
 */
import { type as osType } from "node:os";
import { randomUUID } from "node:crypto";
import { APIStatusError } from "../core/errors.js";
import type {
  GenericEvent,
  SessionEndEvent,
  SessionStartEvent,
  Severity,
  TelemetryEvent,
  UnhandledExceptionEvent,
} from "../types/index.js";

/** The fields every event builder fills in the same way. */
interface EventStamp {
  index: number;
  nowMs: number;
}

function base(stamp: EventStamp, severity: Severity) {
  return {
    event_id: randomUUID(),
    event_session_index: stamp.index,
    severity,
    timestamp: new Date(stamp.nowMs).toISOString(),
  };
}

/** SESSION_START, stamped with the session's start time. */
export function sessionStartEvent(stamp: EventStamp): SessionStartEvent {
  return { event: "SESSION_START", ...base(stamp, "INFO") };
}

/** SESSION_END with the session's duration. */
export function sessionEndEvent(stamp: EventStamp, sessionStartMs: number): SessionEndEvent {
  return {
    event: "SESSION_END",
    ...base(stamp, "INFO"),
    duration: formatTimedelta(stamp.nowMs - sessionStartMs),
  };
}

/** A named GENERIC_EVENT; 0.4.1 sends `{}` for missing data. */
export function genericEvent(
  stamp: EventStamp,
  name: string,
  data: Record<string, unknown> | undefined,
  severity: Severity,
): GenericEvent {
  return { event: "GENERIC_EVENT", ...base(stamp, severity), event_name: name, event_data: data ?? {} };
}

/**
 * What 0.4.1 logs for an exception: a WARNING `user_error` generic event when a user error is in
 * the cause chain, otherwise UNHANDLED_EXCEPTION at `severity`.
 */
export function exceptionEvent(stamp: EventStamp, error: unknown, severity: Severity): TelemetryEvent {
  const err = error instanceof Error ? error : new Error(String(error));
  const userError = findUserError(err);
  if (userError === undefined) {
    return {
      event: "UNHANDLED_EXCEPTION",
      ...base(stamp, severity),
      error_type: errorType(err),
      error_message: err.message,
      traceback: err.stack ?? null,
    } satisfies UnhandledExceptionEvent;
  }
  const data: Record<string, unknown> = { error_type: errorType(err) };
  if (err.message) data["message"] = err.message;
  if (userError instanceof APIStatusError) {
    data["status_code"] = userError.status;
    // Python tests the body for truthiness: "", {} and [] are left out.
    if (isTruthyBody(userError.body)) data["body"] = userError.body;
  }
  return genericEvent(stamp, "user_error", data, "WARNING");
}

/** The `exception`, `exception_type` and `exception_stack` fields of 0.4.1's failure events. */
export function exceptionFields(error: unknown): {
  exception: string;
  exception_type: string;
  exception_stack: string | null;
} {
  if (!(error instanceof Error))
    return { exception: String(error), exception_type: typeof error, exception_stack: null };
  return { exception: error.message, exception_type: errorType(error), exception_stack: error.stack ?? null };
}

/** The class name, as Python's `exception.__class__.__name__`. */
export function errorType(error: Error): string {
  return error.constructor?.name || error.name;
}

/**
 * 0.4.1's `_get_user_error`: the first error along the `cause` chain that is an HTTP 4xx other than
 * 408 (429 included, as in 0.4.1), or a failed future whose category is "user".
 */
export function findUserError(error: unknown): Error | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (e instanceof APIStatusError) {
      if (e.status >= 400 && e.status < 500 && e.status !== 408) return e;
    } else if (e.name === "RequestFailedError" && (e as { category?: unknown }).category === "user") {
      return e;
    }
  }
  return undefined;
}

/** Whether 0.4.1 would classify the error as the user's fault (see {@link findUserError}). */
export function isUserError(error: unknown): boolean {
  return findUserError(error) !== undefined;
}

function isTruthyBody(body: unknown): boolean {
  if (body === null || body === undefined || body === "" || body === false || body === 0) return false;
  if (Array.isArray(body)) return body.length > 0;
  if (typeof body === "object") return Object.keys(body).length > 0;
  return true;
}

/** Python's `str(timedelta)`: "H:MM:SS[.ffffff]", prefixed "N day(s), " past 24 h. */
export function formatTimedelta(ms: number): string {
  const totalMicros = Math.max(0, Math.round(ms * 1000));
  const micros = totalMicros % 1_000_000;
  const totalSeconds = Math.floor(totalMicros / 1_000_000);
  const days = Math.floor(totalSeconds / 86_400);
  const h = Math.floor((totalSeconds % 86_400) / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const clock = `${h}:${pad(m)}:${pad(s)}${micros ? `.${pad(micros, 6)}` : ""}`;
  return days ? `${days} day${days === 1 ? "" : "s"}, ${clock}` : clock;
}

/** Python's `platform.system()`: "Linux", "Darwin", "Windows", … */
export function platformSystem(): string {
  const t = osType();
  return t === "Windows_NT" ? "Windows" : t;
}
