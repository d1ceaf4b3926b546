/**
 * Answers of the REST endpoints SDK 0.25.0 added (weights info, sessions, audit log, billing
 * usage, trace export), snake_case as on the wire. Datetimes stay the ISO strings the server sent.
 */

/** Who may see a run or session: `owned` (default of 0.25.0) or everything `accessible`. */
export type AccessScope = "owned" | "accessible";

export type { WeightsInfoResponse } from "./responses.js";

/** A page of session ids (GET /api/v1/sessions). */
export interface ListSessionsResponse {
  sessions: string[];
}

/** What a session made (GET /api/v1/sessions/{id}). */
export interface GetSessionResponse {
  training_run_ids: string[];
  sampler_ids: string[];
}

/** One audit log entry. */
export interface AuditLogEntry {
  /** ISO datetime. */
  timestamp: string;
  /** The event type identifier, e.g. `checkpoint.created`. */
  event: string;
  model_id?: string | null;
  tinker_path?: string | null;
  purpose?: string | null;
}

/** The audit log of one UTC day (GET /api/v1/audit). */
export interface AuditLogResponse {
  entries: AuditLogEntry[];
}

/** The usage-kind-specific payload of a billing event, discriminated on `type`. */
export type BillingEventInfo =
  | { type: "training"; token_count: number }
  | { type: "sampling_prefill"; cached: boolean; token_count: number }
  | { type: "sampling_sample"; token_count: number }
  | { type: "checkpoint"; count: number }
  | { type: "storage"; gigabyte_hours: number };

/** One hourly bucket of billing usage. */
export interface BillingUsageEvent {
  /** Inclusive start of the UTC hour (ISO datetime). */
  bucket_start: string;
  /** Exclusive end of the UTC hour (ISO datetime). */
  bucket_end: string;
  base_model?: string | null;
  user_id?: string | null;
  user_name?: string | null;
  session_id?: string | null;
  project_id?: string | null;
  event_info: BillingEventInfo;
}

/** Session attributes of the sessions a usage answer mentions. */
export interface BillingUsageSession {
  user_metadata?: Record<string, string> | null;
}

/** Billing usage of a window (GET /api/v1/billing/usage/events). */
export interface BillingUsageResponse {
  data: BillingUsageEvent[];
  /** session_id → its attributes (`{}` when the server sends none). */
  sessions: Record<string, BillingUsageSession>;
}

/** One answer of GET /api/v1/sessions/{id}/trace_export. */
export interface TraceExportStatus {
  status: "pending" | "ready" | "failed";
  url?: string | null;
  error?: string | null;
}
