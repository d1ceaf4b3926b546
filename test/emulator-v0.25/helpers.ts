/** Helpers for the emulator's 0.25.0 side: protobuf submits and polls over plain fetch. */
import type { Emulator } from "../../src/emulator/index.js";
import { call, KEY, settle } from "../emulator/helpers.js";

export { call, KEY, settle };

/** POSTs raw protobuf bytes (optionally with a Content-Encoding). */
export async function postProtobuf(
  emu: Emulator,
  path: string,
  bytes: Uint8Array,
  opts: { encoding?: string; key?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {
    "content-type": "application/x-protobuf",
    "x-api-key": opts.key ?? KEY,
  };
  if (opts.encoding) headers["content-encoding"] = opts.encoding;
  const res = await fetch(emu.url + path, { method: "POST", headers, body: bytes });
  const text = await res.text();
  return { status: res.status, body: text === "" ? null : JSON.parse(text) };
}

/** One poll with `Accept: application/x-protobuf`: protobuf bytes when the server sent protobuf, else JSON. */
export async function pollOnce(
  emu: Emulator,
  requestId: string,
  allowMetadataOnly: boolean,
): Promise<{ status: number; contentType: string; bytes?: Uint8Array; json?: unknown }> {
  const res = await fetch(`${emu.url}/api/v1/retrieve_future`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/x-protobuf", "x-api-key": KEY },
    body: JSON.stringify({ request_id: requestId, allow_metadata_only: allowMetadataOnly }),
  });
  const contentType = res.headers.get("content-type") ?? "";
  const buf = new Uint8Array(await res.arrayBuffer());
  if (contentType.includes("application/x-protobuf")) return { status: res.status, contentType, bytes: buf };
  return { status: res.status, contentType, json: JSON.parse(Buffer.from(buf).toString("utf8")) };
}

/** Polls (protobuf accepted) until the answer is not try_again. */
export async function pollUntilDone(
  emu: Emulator,
  requestId: string,
  allowMetadataOnly = false,
): Promise<Awaited<ReturnType<typeof pollOnce>>> {
  for (let i = 0; i < 1000; i++) {
    const r = await pollOnce(emu, requestId, allowMetadataOnly);
    if (r.bytes || (r.json as { type?: string } | undefined)?.type !== "try_again") return r;
  }
  throw new Error("future never settled");
}

/** A session and a model created with 0.25.0 bodies (defaults and `type` sent). */
export async function session025(emu: Emulator): Promise<{ sessionId: string; modelId: string }> {
  const s = await call(emu, "POST", "/api/v1/create_session", {
    tags: [],
    user_metadata: {},
    sdk_version: "0.25.0",
    type: "create_session",
  });
  const sub = await call(emu, "POST", "/api/v1/create_model", {
    session_id: s.body.session_id,
    model_seq_id: 0,
    base_model: "Qwen/Qwen3-8B",
    lora_config: { rank: 4, train_unembed: true, train_mlp: true, train_attn: true },
    type: "create_model",
  });
  const m = await settle(emu, sub.body.request_id);
  return { sessionId: s.body.session_id, modelId: m.body.model_id };
}
