/**
 * The 0.25.0 routes of the emulator: the handshake (`client/config`, `dynamic_config`),
 * `auth/token`, protobuf `forward_backward` (also `forward_only`), protobuf and metadata-only
 * future results, and session bookkeeping for the new REST endpoints. Requests whose body is JSON
 * go to the 0.4.1 handlers unchanged, so one emulator serves both generations.
 */
import { decodeForwardBackwardRequest } from "../../protocol/v0_25/forward-backward-request.js";
import { HttpError } from "../http-util.js";
import type { RouteContext, RouteHandler, RouteResult, Router } from "../router.js";
import { Router as RouterImpl } from "../router.js";
import type { EmulatorState } from "../routes/context.js";
import { futureRoutes } from "../routes/futures.js";
import { samplingRoutes } from "../routes/sampling.js";
import { sessionRoutes } from "../routes/session.js";
import { trainingRoutes } from "../routes/training.js";
import type { V025Controls } from "./controls.js";
import { mintJwt } from "./jwt-issuer.js";
import { SeqReorder } from "./seq-reorder.js";
import { FutureFailure } from "../futures-store.js";
import { encodeResult, forwardBackwardRequestAsJson, protobufResultKind } from "./pb-convert.js";
import { ProtobufRequestBody } from "./request-body.js";
import { v025RestRoutes } from "./rest-routes.js";

/** The 0.4.1 handlers the 0.25.0 routes wrap, in a router of their own. */
function innerHandlers(state: EmulatorState): (method: string, path: string) => RouteHandler {
  const inner = new RouterImpl();
  sessionRoutes(inner, state);
  trainingRoutes(inner, state);
  samplingRoutes(inner, state);
  futureRoutes(inner, state);
  return (method, path) => {
    const found = inner.match(method, path);
    if (!("handler" in found)) throw new Error(`no inner handler for ${method} ${path}`);
    return found.handler;
  };
}

function acceptsProtobuf(ctx: RouteContext): boolean {
  const accept = ctx.req.headers.accept;
  return (Array.isArray(accept) ? accept.join(",") : (accept ?? "")).includes("application/x-protobuf");
}

function sendProtobuf(ctx: RouteContext, bytes: Uint8Array): RouteResult {
  ctx.res.writeHead(200, {
    "content-type": "application/x-protobuf",
    "content-length": String(bytes.byteLength),
  });
  ctx.res.end(bytes);
  return { raw: true };
}

/** Registers the 0.25.0 routes; call before the 0.4.1 route modules so these match first. */
export function v025Routes(router: Router, state: EmulatorState, controls: V025Controls): void {
  const inner = innerHandlers(state);
  const reorder = new SeqReorder(state.log, controls.chunkTurnWaitMs);
  // A held submit runs the training route with its reserved id; a rejection fails that future.
  const runHeld = (ctx: RouteContext, path: string, body: unknown, requestId: string, modelId: string) => {
    const failWith = (message: string) =>
      state.futures.submit(
        `model:${modelId}`,
        () => {
          throw new FutureFailure(message, "user");
        },
        requestId,
      );
    void (async () => {
      try {
        const r = await inner("POST", path)({ ...ctx, path, body, requestId });
        if (!("raw" in r) && r.status !== 200) failWith(JSON.stringify(r.body));
      } catch (e) {
        failWith(e instanceof Error ? e.message : String(e));
      }
      reorder.drain(modelId);
    })();
  };

  router.add("POST", "/api/v1/client/config", () => ({
    status: 200,
    body: { ...controls.clientConfig },
    headers: { connection: "close" },
  }));

  router.add("POST", "/api/v1/client/dynamic_config", () => {
    if (controls.dynamicConfig === "404") throw new HttpError(404, "Not Found");
    return { status: 200, body: { refresh_interval_sec: controls.dynamicConfig } };
  });

  // The credential was checked like any key by the server; a JWT is exchanged for a fresh one too.
  router.add("POST", "/api/v1/auth/token", () => ({ status: 200, body: { jwt: mintJwt(controls) } }));

  router.add("POST", "/api/v1/forward_backward", async (ctx) => {
    if (!(ctx.body instanceof ProtobufRequestBody)) return inner("POST", "/api/v1/forward_backward")(ctx);
    let message: ReturnType<typeof decodeForwardBackwardRequest>;
    try {
      message = decodeForwardBackwardRequest(ctx.body.bytes);
    } catch (e) {
      throw new HttpError(
        400,
        `body is not a ForwardBackwardRequest: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const { path, body } = forwardBackwardRequestAsJson(message);
    const modelId = message.model_id ?? "";
    const seqId = message.seq_id ?? 0;
    if (seqId > 0 && reorder.mustWait(modelId, seqId)) {
      // A parallel chunk ahead of its turn: answered now, run when the chunks before it have been.
      const requestId = state.futures.reserve();
      reorder.hold(modelId, seqId, () => runHeld(ctx, path, body, requestId, modelId));
      return { status: 200, body: { request_id: requestId, model_id: modelId } };
    }
    const result = await inner("POST", path)({ ...ctx, path, body });
    reorder.drain(modelId);
    return result;
  });

  router.add("POST", "/api/v1/retrieve_future", async (ctx) => {
    const result = await inner("POST", "/api/v1/retrieve_future")(ctx);
    if ("raw" in result || result.status !== 200) return result;
    const kind = protobufResultKind(result.body);
    const bytes = kind && acceptsProtobuf(ctx) ? encodeResult(kind, result.body) : undefined;
    const size = bytes?.byteLength ?? Buffer.byteLength(JSON.stringify(result.body));
    const allowMetadataOnly =
      (ctx.body as { allow_metadata_only?: unknown } | undefined)?.allow_metadata_only === true;
    const done = (result.body as { type?: unknown } | undefined)?.type !== "try_again";
    if (
      done &&
      allowMetadataOnly &&
      controls.metadataOnlyOverBytes !== undefined &&
      size > controls.metadataOnlyOverBytes
    ) {
      return { status: 200, body: { status: "complete_metadata", response_payload_size: size } };
    }
    return bytes ? sendProtobuf(ctx, bytes) : result;
  });

  router.add("POST", "/api/v1/create_sampling_session", async (ctx) => {
    const result = await inner("POST", "/api/v1/create_sampling_session")(ctx);
    const id =
      "raw" in result ? undefined : (result.body as { sampling_session_id?: unknown })?.sampling_session_id;
    const session = (ctx.body as { session_id?: unknown } | undefined)?.session_id;
    if (typeof id === "string" && typeof session === "string") controls.samplerSessions.set(id, session);
    return result;
  });

  // A session's `project_id` (0.25.0) is where its runs are listed and its usage is billed.
  router.add("POST", "/api/v1/create_session", async (ctx) => {
    const result = await inner("POST", "/api/v1/create_session")(ctx);
    const id = "raw" in result ? undefined : (result.body as { session_id?: unknown })?.session_id;
    const project = (ctx.body as { project_id?: unknown } | undefined)?.project_id;
    if (typeof id === "string" && typeof project === "string") controls.sessionProjects.set(id, project);
    return result;
  });

  v025RestRoutes(router, state, controls);
}
