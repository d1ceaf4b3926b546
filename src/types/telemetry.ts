/** Telemetry event and batch types (POST /api/v1/telemetry), as 0.4.1 sends them. */
import type { Severity } from "./enums.js";

/** Fields every telemetry event carries. */
export interface TelemetryEventBase {
  event_id: string;
  /** Runs per session across batches, starting at 0. */
  event_session_index: number;
  severity: Severity;
  /** ISO-8601 timestamp. */
  timestamp: string;
}

/** First event of a session. */
export interface SessionStartEvent extends TelemetryEventBase {
  event: "SESSION_START";
}

/** Last event of a session (also appended after every fatal exception). */
export interface SessionEndEvent extends TelemetryEventBase {
  event: "SESSION_END";
  /** Session duration, formatted as 0.4.1 formats a timedelta. */
  duration: string;
}

/** An exception that escaped a public method. */
export interface UnhandledExceptionEvent extends TelemetryEventBase {
  event: "UNHANDLED_EXCEPTION";
  error_type: string;
  error_message: string;
  traceback?: string | null;
}

/** Free-form named event with JSON data. */
export interface GenericEvent extends TelemetryEventBase {
  event: "GENERIC_EVENT";
  event_name: string;
  event_data?: Record<string, unknown>;
}

/** Any telemetry event. */
export type TelemetryEvent = SessionStartEvent | SessionEndEvent | UnhandledExceptionEvent | GenericEvent;

/** Body of POST /api/v1/telemetry. */
export interface TelemetrySendRequest {
  events: TelemetryEvent[];
  platform: string;
  sdk_version: string;
  /** The session, or `sessionless-<uuid4>` for a session-less holder (0.25.0). */
  session_id: string;
  /** One uuid per process, shared by all its reporters (0.25.0, fact 23); 0.4.1 has none. */
  process_uuid?: string;
}
