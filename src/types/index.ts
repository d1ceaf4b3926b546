/** Wire types of the Tinker API (parity with Python SDK 0.4.1). */
export * from "./datum.js";
export * from "./enums.js";
export * from "./model-input.js";
export * from "./params.js";
export * from "./parse.js";
export * from "./requests.js";
export * from "./responses.js";
export * from "./rest-responses.js";
export * from "./telemetry.js";
export * from "./tensor-data.js";
export * from "./validation.js";
