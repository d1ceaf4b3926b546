/**
 * REST endpoints 0.25.0 has and 0.4.1 lacked: `weights_info`, checkpoint TTL, sessions (list, get,
 * project, trace export and the trace download), and the training-run reads with `access_scope`
 * and `project_id`, all answered from the emulator's state. The audit log and billing usage are
 * in account-routes.ts; `GET /samplers/{id}` and publish/unpublish in the 0.4.1 route modules.
 */
import { HttpError } from "../http-util.js";
import type { Router } from "../router.js";
import type { EmulatorState } from "../routes/context.js";
import { parseCheckpointPath } from "../store.js";
import type { V025Controls } from "./controls.js";
import { v025AccountRoutes } from "./account-routes.js";

function nonNegative(query: URLSearchParams, key: string, dflt: number): number {
  const raw = query.get(key);
  if (raw === null) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new HttpError(422, `${key}: expected a non-negative integer`);
  return n;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

/** `access_scope` as the service reads it: absent, `owned` or `accessible`; anything else 422. */
function checkScope(query: URLSearchParams): void {
  const scope = query.get("access_scope");
  if (scope !== null && scope !== "owned" && scope !== "accessible") {
    throw new HttpError(422, `access_scope: expected 'owned' or 'accessible', got '${scope}'`);
  }
}

function kindOf(kind: string): string {
  if (kind !== "weights" && kind !== "sampler_weights")
    throw new HttpError(404, `Unknown checkpoint kind ${kind}`);
  return kind;
}

/** A tiny but well-formed Perfetto trace (one empty `TracePacket`) for a session's download. */
const TRACE_BYTES = Uint8Array.from([0x0a, 0x00]);

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

  // Runs as 0.25.0 reads them: `access_scope` checked, `project_id` = the project of the run's session.
  router.add("GET", "/api/v1/training_runs", ({ query }) => {
    checkScope(query);
    const limit = nonNegative(query, "limit", 20);
    const offset = nonNegative(query, "offset", 0);
    const project = query.get("project_id");
    const runs = [...store.models.values()].filter(
      (m) => project === null || controls.sessionProjects.get(m.sessionId) === project,
    );
    return {
      status: 200,
      body: {
        training_runs: runs.slice(offset, offset + limit).map((r) => store.trainingRun(r)),
        cursor: { offset, limit, total_count: runs.length },
      },
    };
  });

  router.add("GET", "/api/v1/training_runs/:run", ({ params, query }) => {
    checkScope(query);
    return { status: 200, body: store.trainingRun(store.run(params.run as string)) };
  });

  router.add("PUT", "/api/v1/training_runs/:run/checkpoints/:kind/:name/ttl", ({ params, body }) => {
    const ttl = (body as { ttl_seconds?: unknown } | undefined)?.ttl_seconds;
    if (ttl !== null && (typeof ttl !== "number" || !Number.isInteger(ttl))) {
      throw new HttpError(422, "ttl_seconds: expected an integer or null");
    }
    // The service documents 400 for a TTL that is not positive.
    if (ttl !== null && ttl <= 0) throw new HttpError(400, "ttl_seconds must be positive");
    const c = store.checkpoint(params.run as string, `${kindOf(params.kind as string)}/${params.name}`) as {
      expires_at?: string | null;
    };
    // Checkpoint records are sent as they are, so the listing shows `expires_at` from now on.
    c.expires_at = ttl === null ? null : iso(controls.now() + ttl * 1000);
    return { status: 204 };
  });

  router.add("GET", "/api/v1/sessions", ({ query }) => {
    checkScope(query);
    const limit = nonNegative(query, "limit", 20);
    const offset = nonNegative(query, "offset", 0);
    const ids = [...store.sessions.keys()];
    return { status: 200, body: { sessions: ids.slice(offset, offset + limit) } };
  });

  router.add("GET", "/api/v1/sessions/:id", ({ params, query }) => {
    checkScope(query);
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
    if (project === undefined || project === null || project === "")
      throw new HttpError(400, "project_id is required");
    if (typeof project !== "string") throw new HttpError(422, "project_id: expected a string");
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

  // The signed URL of a ready export stands in for storage, so it needs no API key.
  router.add("GET", "/traces/:file", ({ params, res }) => {
    const id = (params.file as string).replace(/\.pftrace$/, "");
    if ((controls.traceExports.get(id) ?? 0) < 2) throw new HttpError(404, `No trace export for ${id}`);
    res.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": String(TRACE_BYTES.byteLength),
    });
    res.end(TRACE_BYTES);
    return { raw: true };
  });

  v025AccountRoutes(router, state, controls);
}
