/**
 * Session-level routes: sessions, heartbeats, capabilities, health and telemetry.
 */
import type { Router } from "../router.js";
import { arrField, bodyObject, strField } from "../validation.js";
import type { EmulatorState } from "./context.js";

/** Registers the session routes. */
export function sessionRoutes(router: Router, state: EmulatorState): void {
  router.add("POST", "/api/v1/create_session", ({ body }) => {
    const b = bodyObject(body);
    const tags = b.tags === undefined || b.tags === null ? [] : arrField(b, "tags");
    const meta = b.user_metadata;
    const session = state.store.createSession(
      tags.map(String),
      typeof meta === "object" && meta !== null ? (meta as Record<string, unknown>) : {},
    );
    return {
      status: 200,
      body: {
        type: "create_session",
        session_id: session.sessionId,
        info_message: null,
        warning_message: null,
        error_message: null,
      },
    };
  });

  router.add("POST", "/api/v1/session_heartbeat", ({ body }) => {
    const session = state.store.session(strField(bodyObject(body), "session_id"));
    session.heartbeats += 1;
    return { status: 200, body: { type: "session_heartbeat" } };
  });

  router.add("GET", "/api/v1/get_server_capabilities", () => ({
    status: 200,
    body: { supported_models: state.store.engine.supportedModels.map((model_name) => ({ model_name })) },
  }));

  router.add("GET", "/api/v1/healthz", () => ({ status: 200, body: { status: "ok" } }));

  router.add("POST", "/api/v1/telemetry", ({ body }) => {
    const b = bodyObject(body);
    arrField(b, "events");
    state.telemetry.push(b);
    return { status: 200, body: { status: "accepted" } };
  });
}
