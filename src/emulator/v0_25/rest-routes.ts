/**
 * REST endpoints 0.25.0 has and 0.4.1 lacked: `weights_info`, checkpoint TTL, sessions (list, get,
 * project, trace export), the audit log and billing usage, all answered from the emulator's state.
 * (`GET /samplers/{id}` and publish/unpublish already exist in the 0.4.1 route modules.)
 */
import { decodeForwardBackwardRequest } from "../../protocol/v0_25/forward-backward-request.js";
import { HttpError } from "../http-util.js";
import type { Router } from "../router.js";
import type { EmulatorState } from "../routes/context.js";
import { parseCheckpointPath } from "../store.js";
import type { V025Controls } from "./controls.js";
import { EMULATOR_USER } from "./jwt-issuer.js";
import { ProtobufRequestBody } from "./request-body.js";

function nonNegative(query: URLSearchParams, key: string, dflt: number): number {
  const raw = query.get(key);
  if (raw === null) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new HttpError(422, `${key}: expected a non-negative integer`);
  return n;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

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

/** Registers the 0.25.0 REST endpoints. */
export function v025RestRoutes(router: Router, state: EmulatorState, controls: V025Controls): void {
  const { store } = state;

  router.add("POST", "/api/v1/weights_info", ({ body }) => {
    const path = (body as { tinker_path?: unknown } | undefined)?.tinker_path;
    if (typeof path !== "string") throw new HttpError(422, "tinker_path: field required");
    const p = parseCheckpointPath(path, "tinker_path");
    const run = store.run(p.runId);
    if (!run.checkpoints.has(`${p.kind}/${p.name}`)) throw new HttpError(404, `Checkpoint ${path} not found`);
    return {
      status: 200,
      body: {
        base_model: run.baseModel,
        is_lora: true,
        lora_rank: run.lora.rank,
        train_unembed: run.lora.trainUnembed,
        train_mlp: run.lora.trainMlp,
        train_attn: run.lora.trainAttn,
      },
    };
  });

  router.add("PUT", "/api/v1/training_runs/:run/checkpoints/:kind/:name/ttl", ({ params, body }) => {
    const ttl = (body as { ttl_seconds?: unknown } | undefined)?.ttl_seconds;
    if (ttl !== null && (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl <= 0)) {
      throw new HttpError(422, "ttl_seconds: expected a positive integer or null");
    }
    const c = store.checkpoint(params.run as string, `${params.kind}/${params.name}`) as {
      expires_at?: string | null;
    };
    // Checkpoint records are sent as they are, so the listing shows `expires_at` from now on.
    c.expires_at = ttl === null ? null : iso(controls.now() + ttl * 1000);
    return { status: 204 };
  });

  router.add("GET", "/api/v1/sessions", ({ query }) => {
    const limit = nonNegative(query, "limit", 20);
    const offset = nonNegative(query, "offset", 0);
    const ids = [...store.sessions.keys()];
    return { status: 200, body: { sessions: ids.slice(offset, offset + limit) } };
  });

  router.add("GET", "/api/v1/sessions/:id", ({ params }) => {
    const id = store.session(params.id as string).sessionId;
    const training_run_ids = [...store.models.values()]
      .filter((m) => m.sessionId === id)
      .map((m) => m.modelId);
    const sampler_ids = [...controls.samplerSessions].filter(([, s]) => s === id).map(([sampler]) => sampler);
    return { status: 200, body: { training_run_ids, sampler_ids } };
  });

  router.add("PUT", "/api/v1/sessions/:id/project", ({ params, body }) => {
    const id = store.session(params.id as string).sessionId;
    const project = (body as { project_id?: unknown } | undefined)?.project_id;
    if (project !== null && typeof project !== "string")
      throw new HttpError(422, "project_id: expected a string or null");
    controls.sessionProjects.set(id, project);
    return { status: 204 };
  });

  router.add("GET", "/api/v1/sessions/:id/trace_export", ({ params }) => {
    const id = store.session(params.id as string).sessionId;
    const asked = (controls.traceExports.get(id) ?? 0) + 1;
    controls.traceExports.set(id, asked);
    const ready = asked > 1;
    return {
      status: 200,
      body: {
        status: ready ? "ready" : "pending",
        url: ready ? `${state.baseUrl()}/traces/${encodeURIComponent(id)}.pftrace` : null,
        error: null,
      },
    };
  });

  router.add("GET", "/api/v1/audit", ({ query }) => {
    const type = query.get("event_type") ?? "all";
    if (type !== "all" && type !== "checkpoints") throw new HttpError(422, `event_type: unknown ${type}`);
    const day = query.get("day");
    const entries = [...store.models.values()].flatMap((m) =>
      [...m.checkpoints.values()].map((c) => ({
        timestamp: c.time,
        event: "checkpoint.created",
        model_id: m.modelId,
        tinker_path: c.tinker_path,
        purpose: c.checkpoint_type,
      })),
    );
    return {
      status: 200,
      body: { entries: day ? entries.filter((e) => e.timestamp.startsWith(day)) : entries },
    };
  });

  router.add("GET", "/api/v1/billing/usage/events", ({ query }) => {
    const start = query.get("starting_on");
    const end = query.get("ending_before");
    if (!start || !end) throw new HttpError(422, "starting_on and ending_before are required");
    // Usage as the emulator saw it: tokens of every forward/forward_backward request, per model.
    const perModel = new Map<string, number>();
    for (const e of state.log.entries) {
      if (e.path !== "/api/v1/forward_backward" && e.path !== "/api/v1/forward") continue;
      const t = trainedTokens(e.body);
      if (t) perModel.set(t.modelId, (perModel.get(t.modelId) ?? 0) + t.tokens);
    }
    const data = [...perModel].flatMap(([modelId, tokens]) => {
      const m = store.models.get(modelId);
      if (!m) return [];
      return [
        {
          bucket_start: start,
          bucket_end: end,
          base_model: m.baseModel,
          user_id: EMULATOR_USER.sub,
          user_name: "Emulator",
          session_id: m.sessionId,
          project_id: controls.sessionProjects.get(m.sessionId) ?? null,
          event_info: { type: "training", token_count: tokens },
        },
      ];
    });
    return { status: 200, body: { data } };
  });
}
