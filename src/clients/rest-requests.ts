/**
 * The requests of the RestClient methods SDK 0.25.0 added (sessions, TTL, project, audit log,
 * billing usage), built and checked before anything is sent: query strings in the SDK's key
 * order, bodies as its plain dicts (fact 22 of the 0.25 golden README).
 */
import { ValidationError } from "../errors/index.js";
import type { RequestOptions } from "../core/transport.js";
import { pathSegment, pathSegments } from "../lib/path-segment.js";
import { jsonBody } from "../types/codec.js";
import type { AccessScope } from "../types/rest-responses.js";

/** A request as `RestClient` sends it (the pool is always TRAIN). */
export type RestRequest = Omit<RequestOptions, "pool">;

/** Offset/limit page request. */
export interface PageOptions {
  limit?: number;
  offset?: number;
}

/** Which runs or sessions a read may see (`accessScope`; default `owned` under 0.25.0). */
export interface AccessScopeOptions {
  /** `owned` (the 0.25.0 default, always sent) or `accessible` (shared with you too). */
  accessScope?: AccessScope;
}

/** Page, scope and project of `listTrainingRuns`. */
export interface ListTrainingRunsOptions extends PageOptions, AccessScopeOptions {
  /** Only runs of this project (sent only when given). */
  projectId?: string;
}

/** Page and scope of `listSessions`. */
export interface ListSessionsOptions extends PageOptions, AccessScopeOptions {}

/** Filter of `getAuditLog`. */
export interface AuditLogOptions {
  /** `all` (default) or `checkpoints` (the service treats both alike today). */
  eventType?: "all" | "checkpoints";
  /** The UTC day to list (`YYYY-MM-DD` or a Date, of which the UTC date counts); default: today. */
  day?: string | Date;
}

/** `limit` and `offset` as sent (both always), checked before anything is sent. */
export function pageQuery(page: PageOptions, defaultLimit: number): { limit: number; offset: number } {
  const query = { limit: page.limit ?? defaultLimit, offset: page.offset ?? 0 };
  for (const [k, v] of Object.entries(query)) {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new ValidationError(k, `must be a non-negative integer, got ${String(v)}`);
    }
  }
  return query;
}

/** The `access_scope` to send: the caller's, else the generation's default (none in 0.4.1). */
export function accessScope(o: AccessScopeOptions, dflt: AccessScope | null): AccessScope | undefined {
  const scope = o.accessScope ?? dflt ?? undefined;
  if (scope !== undefined && scope !== "owned" && scope !== "accessible") {
    throw new ValidationError("accessScope", `expected "owned" or "accessible", got ${String(scope)}`);
  }
  return scope;
}

function nonEmpty(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "")
    throw new ValidationError(field, "expected a non-empty string");
  return value;
}

/** GET /api/v1/training_runs with `limit`, `offset`, `access_scope`, then `project_id` when given. */
export function listTrainingRunsRequest(o: ListTrainingRunsOptions, dflt: AccessScope | null): RestRequest {
  const projectId = o.projectId === undefined ? undefined : nonEmpty(o.projectId, "projectId");
  const query = { ...pageQuery(o, 20), access_scope: accessScope(o, dflt), project_id: projectId };
  return { method: "GET", path: "/api/v1/training_runs", query };
}

/** GET /api/v1/sessions with `limit`, `offset` and `access_scope`. */
export function listSessionsRequest(o: ListSessionsOptions, dflt: AccessScope | null): RestRequest {
  return {
    method: "GET",
    path: "/api/v1/sessions",
    query: { ...pageQuery(o, 20), access_scope: accessScope(o, dflt) },
  };
}

/** GET /api/v1/sessions/{id} with `access_scope`. */
export function getSessionRequest(
  sessionId: string,
  o: AccessScopeOptions,
  dflt: AccessScope | null,
): RestRequest {
  return {
    method: "GET",
    path: `/api/v1/sessions/${pathSegment(sessionId, "session_id")}`,
    query: { access_scope: accessScope(o, dflt) },
  };
}

/** POST /api/v1/weights_info `{"tinker_path"}`. */
export function weightsInfoRequest(tinkerPath: string): RestRequest {
  return { method: "POST", path: "/api/v1/weights_info", body: jsonBody({ tinker_path: tinkerPath }) };
}

/** PUT …/checkpoints/{id}/ttl `{"ttl_seconds": N | null}`; N must be a positive integer. */
export function checkpointTtlRequest(
  run: string,
  checkpointId: string,
  ttlSeconds: number | null,
): RestRequest {
  if (ttlSeconds !== null && (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0)) {
    throw new ValidationError("ttlSeconds", `must be a positive integer or null, got ${String(ttlSeconds)}`);
  }
  return {
    method: "PUT",
    path: `/api/v1/training_runs/${pathSegment(run, "training_run_id")}/checkpoints/${pathSegments(checkpointId, "checkpoint_id")}/ttl`,
    body: jsonBody({ ttl_seconds: ttlSeconds }),
  };
}

/** PUT /api/v1/sessions/{id}/project `{"project_id"}`. */
export function assignProjectRequest(sessionId: string, projectId: string): RestRequest {
  return {
    method: "PUT",
    path: `/api/v1/sessions/${pathSegment(sessionId, "session_id")}/project`,
    body: jsonBody({ project_id: nonEmpty(projectId, "projectId") }),
  };
}

/** GET /api/v1/samplers/{id}. */
export function getSamplerRequest(samplerId: string): RestRequest {
  return { method: "GET", path: `/api/v1/samplers/${pathSegment(samplerId, "sampler_id")}` };
}

/** GET /api/v1/sessions/{id}/trace_export. */
export function traceExportRequest(sessionId: string): RestRequest {
  return { method: "GET", path: `/api/v1/sessions/${pathSegment(sessionId, "session_id")}/trace_export` };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** GET /api/v1/audit?event_type=…[&day=YYYY-MM-DD]. */
export function auditLogRequest(o: AuditLogOptions): RestRequest {
  const eventType = o.eventType ?? "all";
  if (eventType !== "all" && eventType !== "checkpoints") {
    throw new ValidationError("eventType", `expected "all" or "checkpoints", got ${String(eventType)}`);
  }
  let day: string | undefined;
  if (o.day instanceof Date) {
    if (Number.isNaN(o.day.getTime())) throw new ValidationError("day", "invalid Date");
    day = o.day.toISOString().slice(0, 10);
  } else if (o.day !== undefined) {
    if (typeof o.day !== "string" || !DAY.test(o.day) || Number.isNaN(Date.parse(o.day))) {
      throw new ValidationError("day", `expected YYYY-MM-DD, got ${String(o.day)}`);
    }
    day = o.day;
  }
  return { method: "GET", path: "/api/v1/audit", query: { event_type: eventType, day } };
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;

/**
 * A billing window bound as the SDK writes it (pydantic's datetime JSON): seconds always, `Z` for
 * UTC (`+00:00` too), another offset kept; a Date is written in UTC.
 */
export function rfc3339(value: Date | string, field: string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ValidationError(field, "invalid Date");
    return value.toISOString().replace(/\.000Z$/, "Z");
  }
  const m = typeof value === "string" ? RFC3339.exec(value.trim()) : null;
  if (!m || Number.isNaN(Date.parse(`${m[1]}T${m[2]}${m[3] ?? ":00"}${m[4] ?? ""}`))) {
    throw new ValidationError(field, `expected an RFC 3339 datetime, got ${String(value)}`);
  }
  const zone = m[4] === undefined ? "" : /^(?:[Zz]|[+-]00:?00)$/.test(m[4]) ? "Z" : m[4];
  return `${m[1]}T${m[2]}${m[3] ?? ":00"}${zone}`;
}

/** GET /api/v1/billing/usage/events?starting_on=…&ending_before=…. */
export function billingUsageRequest(startingOn: Date | string, endingBefore: Date | string): RestRequest {
  return {
    method: "GET",
    path: "/api/v1/billing/usage/events",
    query: {
      starting_on: rfc3339(startingOn, "startingOn"),
      ending_before: rfc3339(endingBefore, "endingBefore"),
    },
  };
}
