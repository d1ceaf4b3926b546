/**
 * Building telemetry events exactly as 0.4.1's `Telemetry` does: which error counts as a user
 * error, what a `user_error` event carries, how SESSION_END formats its duration.
 */
import { type as osType } from "node:os";
import { randomUUID } from "node:crypto";
import { APIStatusError } from "../errors/index.js";
import { errorType, findUserError } from "../errors/classify.js";
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
