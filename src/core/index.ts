export * from "./config.js";
export * from "./errors.js";
export * from "./instrumentation.js";
export * from "./retry.js";
export * from "./transport.js";
