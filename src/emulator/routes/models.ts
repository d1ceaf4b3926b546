/**
 * Model routes: `create_model` (a future), `get_info`, `unload_model` (a future).
 */
import { HttpError } from "../http-util.js";
import type { Router } from "../router.js";
import { boolField, bodyObject, intField, objField, optInt, strField } from "../validation.js";
import type { EmulatorState } from "./context.js";

/** The tokenizer id the emulator's byte-level models answer in `get_info`. */
export const EMULATOR_TOKENIZER_ID = "tinker-ts/byte-level";

/** Registers the model routes. */
export function modelRoutes(router: Router, state: EmulatorState): void {
  router.add("POST", "/api/v1/create_model", ({ body }) => {
    const b = bodyObject(body);
    const sessionId = strField(b, "session_id");
    intField(b, "model_seq_id");
    const baseModel = strField(b, "base_model");
    state.store.session(sessionId);
    if (!state.store.engine.supportedModels.includes(baseModel)) {
      throw new HttpError(400, `base_model: ${baseModel} is not supported by this server`);
    }
    const cfg = b.lora_config === undefined || b.lora_config === null ? {} : objField(b, "lora_config");
    const rank = optInt(cfg, "rank", "lora_config.") ?? 32;
    if (rank < 1) throw new HttpError(400, "lora_config.rank: must be at least 1");
    const lora = {
      rank,
      seed: optInt(cfg, "seed", "lora_config."),
      trainMlp: boolField(cfg, "train_mlp", true, "lora_config."),
      trainAttn: boolField(cfg, "train_attn", true, "lora_config."),
      trainUnembed: boolField(cfg, "train_unembed", true, "lora_config."),
    };
    const meta = b.user_metadata;
    const userMetadata =
      typeof meta === "object" && meta !== null
        ? Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, String(v)]))
        : null;
    const requestId = state.futures.submit(`session:${sessionId}`, () => {
      const rec = state.store.createModel(sessionId, baseModel, lora, userMetadata);
      return { model_id: rec.modelId, type: "create_model" };
    });
    return { status: 200, body: { request_id: requestId } };
  });

  router.add("POST", "/api/v1/get_info", ({ body }) => {
    const rec = state.store.model(strField(bodyObject(body), "model_id"));
    return {
      status: 200,
      body: {
        type: "get_info",
        model_id: rec.modelId,
        model_data: {
          arch: "tinker-ts-tiny",
          model_name: rec.baseModel,
          tokenizer_id: EMULATOR_TOKENIZER_ID,
        },
        is_lora: true,
        lora_rank: rec.lora.rank,
        model_name: rec.baseModel,
      },
    };
  });

  router.add("POST", "/api/v1/unload_model", ({ body }) => {
    const rec = state.store.model(strField(bodyObject(body), "model_id"));
    const requestId = state.futures.submit(`model:${rec.modelId}`, () => {
      rec.unloaded = true;
      return { model_id: rec.modelId, type: "unload_model" };
    });
    return { status: 200, body: { request_id: requestId, model_id: rec.modelId } };
  });
}
