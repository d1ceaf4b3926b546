/** Pure logic shared by the clients, transport and emulator: no I/O, no clocks of its own. */
export * from "./backoff.js";
export * from "./chunking.js";
export * from "./metrics.js";
export * from "./python-hash.js";
export * from "./tinker-path.js";
