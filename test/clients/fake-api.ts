/**
 * A minimal Tinker API on the scripted loopback server: sessions, models, futures that complete on
 * the first poll, samples. Tests override single routes with `server.script(...)`.
 */
import { ServiceClient } from "../../src/clients/index.js";
import { ModelInput, type Datum, TensorData } from "../../src/types/index.js";
import { FakeClock } from "../support/fake-clock.js";
import {
  type RecordedRequest,
  type ScriptedResponse,
  startScriptedServer,
  type ScriptedServer,
} from "../support/scripted-server.js";

/** A running fake API with its clock. */
export interface FakeApi {
  server: ScriptedServer;
  clock: FakeClock;
  /** Bodies of requests to `path`, in arrival order. */
  bodies(path: string): Array<Record<string, unknown>>;
  service(extra?: Record<string, unknown>): ServiceClient;
  close(): Promise<void>;
}

/** Result bodies by request id, filled by submits. */
function defaultHandler(results: Map<string, unknown>) {
  let n = 0;
  const future = (result: unknown): ScriptedResponse => {
    const id = `req-${++n}`;
    results.set(id, result);
    return { body: { request_id: id } };
  };
  return (req: RecordedRequest): ScriptedResponse => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    switch (req.path) {
      case "/api/v1/create_session":
        return { body: { session_id: "sess-1" } };
      case "/api/v1/create_sampling_session":
        return { body: { sampling_session_id: `ss-${String(body.sampling_session_seq_id)}` } };
      case "/api/v1/create_model":
        return future({ model_id: `model-${String(body.model_seq_id)}` });
      case "/api/v1/forward":
      case "/api/v1/forward_backward": {
        const input = (body.forward_backward_input ?? body.forward_input) as { data: unknown[] };
        return future({
          loss_fn_output_type: "cross_entropy",
          loss_fn_outputs: input.data.map(() => ({
            logprobs: { data: [-1, -2], dtype: "float32", shape: [2] },
          })),
          metrics: { "loss:sum": Number(body.seq_id), "seq:max": Number(body.seq_id) },
        });
      }
      case "/api/v1/optim_step":
        return future({ metrics: { seq: Number(body.seq_id) } });
      case "/api/v1/save_weights":
        return future({ path: `tinker://m/weights/${String(body.path)}` });
      case "/api/v1/asample":
        return future({
          sequences: [{ stop_reason: "length", tokens: [Number(body.seq_id)], logprobs: [-0.5] }],
        });
      case "/api/v1/get_server_capabilities":
        return { body: { supported_models: [{ model_name: "Qwen/Qwen3-8B" }] } };
      case "/api/v1/retrieve_future":
        return {
          body: results.get(String(body.request_id)) ?? { error: "unknown future", category: "server" },
        };
      default:
        return { body: {} };
    }
  };
}

/** Start the fake API; `clock` drives every client timer. */
export async function startFakeApi(): Promise<FakeApi> {
  const server = await startScriptedServer();
  const clock = new FakeClock();
  server.setDefault(defaultHandler(new Map()));
  const services: ServiceClient[] = [];
  return {
    server,
    clock,
    bodies: (path) =>
      server.requests.filter((r) => r.path === path).map((r) => r.body as Record<string, unknown>),
    service: (extra = {}) => {
      const s = new ServiceClient({
        apiKey: "tml-TESTKEY",
        baseUrl: server.url,
        telemetry: false,
        deps: clock.deps,
        ...extra,
      });
      services.push(s);
      return s;
    },
    close: async () => {
      await Promise.all(services.map((s) => s.close()));
      await server.close();
    },
  };
}

/** A small datum with `n` prompt tokens. */
export function tinyDatum(n = 2): Datum {
  const tokens = Array.from({ length: n }, (_, i) => i + 1);
  return {
    model_input: ModelInput.fromInts(tokens),
    loss_fn_inputs: { target_tokens: TensorData.fromArray(tokens, "int64", [n]) },
  };
}
