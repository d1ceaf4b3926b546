import { TinkerError } from "../errors/index.js";

/**
 * A renderer refused its input (e.g. a thinking part for a format without reasoning, a system message
 * DeepSeek cannot place) or a sampled response it cannot split. `code` is `TINKER_RENDERER`.
 */
export class RendererError extends TinkerError {
  constructor(message: string) {
    super(message, "TINKER_RENDERER");
  }
}
