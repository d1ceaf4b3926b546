/**
 * The organization-level endpoints of 0.25.0 in the emulator: the audit log (one
 * `checkpoint.created` entry per saved checkpoint) and billing usage (trained tokens per model and
 * saved checkpoints, in one bucket spanning the window), with the service's input rules.
 */
import { decodeForwardBackwardRequest } from "../../protocol/v0_25/forward-backward-request.js";
import { HttpError } from "../http-util.js";
import type { Router } from "../router.js";
import type { EmulatorState } from "../routes/context.js";
import type { V025Controls } from "./controls.js";
import { EMULATOR_USER } from "./jwt-issuer.js";
import { ProtobufRequestBody } from "./request-body.js";

const HOUR_MS = 3_600_000;
const MAX_WINDOW_MS = 14 * 24 * HOUR_MS;

/** Tokens a logged forward/forward_backward request trained on (JSON or protobuf body). */
function trainedTokens(body: unknown): { modelId: string; tokens: number } | null {
  if (body instanceof ProtobufRequestBody) {
    try {
      const m = decodeForwardBackwardRequest(body.bytes);
      let tokens = 0;
      for (const d of m.data ?? [])
        for (const c of d.model_input ?? []) tokens += (c.encoded_text?.tokens?.byteLength ?? 0) / 4;
      return { modelId: m.model_id ?? "", tokens };
    } catch {
      return null;
    }
  }
  const b = body as
    | { model_id?: unknown; forward_backward_input?: { data?: unknown }; forward_input?: { data?: unknown } }
    | undefined;
  const data = b?.forward_backward_input?.data ?? b?.forward_input?.data;
  if (typeof b?.model_id !== "string" || !Array.isArray(data)) return null;
  let tokens = 0;
  for (const d of data as { model_input?: { chunks?: { tokens?: unknown[] }[] } }[]) {
    for (const c of d.model_input?.chunks ?? []) tokens += Array.isArray(c.tokens) ? c.tokens.length : 0;
  }
  return { modelId: b.model_id, tokens };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A required RFC 3339 query datetime with a zone (422 when absent or unparseable, as FastAPI). */
function datetimeParam(query: URLSearchParams, key: string): number {
  const raw = query.get(key);
  if (raw === null) throw new HttpError(422, `${key}: field required`);
  const ms = RFC3339.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(ms)) throw new HttpError(422, `${key}: expected an RFC 3339 datetime with a time zone`);
  return ms;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

/** Registers the audit log and billing usage endpoints. */
export function v025AccountRoutes(router: Router, state: EmulatorState, controls: V025Controls): void {
  const { store } = state;

  router.add("GET", "/api/v1/audit", ({ query }) => {
    const type = query.get("event_type") ?? "all";
    if (type !== "all" && type !== "checkpoints") throw new HttpError(422, `event_type: unknown ${type}`);
    const day = query.get("day") ?? iso(controls.now()).slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(day))) {
      throw new HttpError(422, `day: expected a date (YYYY-MM-DD), got ${day}`);
    }
    const entries = [...store.models.values()].flatMap((m) =>
      [...m.checkpoints.values()].map((c) => ({
        timestamp: c.time,
        event: "checkpoint.created",
        model_id: m.modelId,
        tinker_path: c.tinker_path,
        purpose: c.checkpoint_type,
      })),
    );
    return { status: 200, body: { entries: entries.filter((e) => e.timestamp.startsWith(day)) } };
  });

  router.add("GET", "/api/v1/billing/usage/events", ({ query }) => {
    const start = datetimeParam(query, "starting_on");
    const end = datetimeParam(query, "ending_before");
    if (start % HOUR_MS !== 0 || end % HOUR_MS !== 0) {
      throw new HttpError(400, "starting_on and ending_before must be aligned to a UTC hour boundary");
    }
    if (end <= start) throw new HttpError(400, "ending_before must be after starting_on");
    if (end - start > MAX_WINDOW_MS) throw new HttpError(400, "the window may span at most 14 days");
    if (start > controls.now()) throw new HttpError(400, "the window must not start in the future");
    // Usage as the emulator saw it: tokens of every forward/forward_backward request, per model.
    const perModel = new Map<string, number>();
    for (const e of state.log.entries) {
      if (e.path !== "/api/v1/forward_backward" && e.path !== "/api/v1/forward") continue;
      const t = trainedTokens(e.body);
      if (t) perModel.set(t.modelId, (perModel.get(t.modelId) ?? 0) + t.tokens);
    }
    const envelope = (m: { baseModel: string; sessionId: string }) => ({
      bucket_start: iso(start),
      bucket_end: iso(end),
      base_model: m.baseModel,
      user_id: EMULATOR_USER.sub,
      user_name: "Emulator",
      session_id: m.sessionId,
      project_id: controls.sessionProjects.get(m.sessionId) ?? null,
    });
    const data = [...store.models.values()].flatMap((m) => {
      const tokens = perModel.get(m.modelId);
      const saved = [...m.checkpoints.values()].filter((c) => {
        const t = Date.parse(c.time);
        return t >= start && t < end;
      }).length;
      return [
        ...(tokens ? [{ ...envelope(m), event_info: { type: "training", token_count: tokens } }] : []),
        ...(saved ? [{ ...envelope(m), event_info: { type: "checkpoint", count: saved } }] : []),
      ];
    });
    const sessions: Record<string, { user_metadata: Record<string, unknown> | null }> = {};
    for (const e of data) {
      const s = store.sessions.get(e.session_id);
      sessions[e.session_id] = {
        user_metadata: s && Object.keys(s.userMetadata).length ? s.userMetadata : null,
      };
    }
    return { status: 200, body: { data, sessions } };
  });
}
