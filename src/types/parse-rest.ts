/** Parsers of the 0.25.0 REST answers (src/types/rest-responses.ts); failures name the field. */
import { ValidationError } from "../errors/index.js";
import type {
  AuditLogResponse,
  BillingUsageResponse,
  GetSessionResponse,
  ListSessionsResponse,
  TraceExportStatus,
} from "./rest-responses.js";
import { assertObject, assertString } from "./validation.js";

function strings(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new ValidationError(field, "expected an array");
  value.forEach((v, i) => {
    assertString(v, `${field}[${i}]`);
  });
  return value as string[];
}

function objects(value: unknown, field: string): Array<Record<string, unknown>> {
  if (!Array.isArray(value)) throw new ValidationError(field, "expected an array");
  value.forEach((v, i) => {
    assertObject(v, `${field}[${i}]`);
  });
  return value as Array<Record<string, unknown>>;
}

/** Parses a page of session ids. */
export function parseListSessionsResponse(json: unknown): ListSessionsResponse {
  assertObject(json, "ListSessionsResponse");
  return { sessions: strings(json.sessions, "sessions") };
}

/** Parses a session's runs and samplers. */
export function parseGetSessionResponse(json: unknown): GetSessionResponse {
  assertObject(json, "GetSessionResponse");
  return {
    training_run_ids: strings(json.training_run_ids, "training_run_ids"),
    sampler_ids: strings(json.sampler_ids, "sampler_ids"),
  };
}

/** Parses an audit log. */
export function parseAuditLogResponse(json: unknown): AuditLogResponse {
  assertObject(json, "AuditLogResponse");
  objects(json.entries, "entries").forEach((e, i) => {
    assertString(e.timestamp, `entries[${i}].timestamp`);
    assertString(e.event, `entries[${i}].event`);
  });
  return json as unknown as AuditLogResponse;
}

/** Parses billing usage; `sessions` defaults to `{}` as the SDK's model does. */
export function parseBillingUsageResponse(json: unknown): BillingUsageResponse {
  assertObject(json, "BillingUsageResponse");
  objects(json.data, "data").forEach((e, i) => {
    assertString(e.bucket_start, `data[${i}].bucket_start`);
    assertObject(e.event_info, `data[${i}].event_info`);
    assertString(e.event_info.type, `data[${i}].event_info.type`);
  });
  const sessions = json.sessions ?? {};
  assertObject(sessions, "sessions");
  return { ...(json as unknown as BillingUsageResponse), sessions } as BillingUsageResponse;
}

/** Parses one trace export poll. */
export function parseTraceExportStatus(json: unknown): TraceExportStatus {
  assertObject(json, "TraceExportStatus");
  const { status, url, error } = json;
  if (status !== "pending" && status !== "ready" && status !== "failed") {
    throw new ValidationError("status", `expected pending, ready or failed, got ${String(status)}`);
  }
  if (status === "ready") assertString(url, "url");
  return { status, url: (url as string | null | undefined) ?? null, error: (error as string | null) ?? null };
}
