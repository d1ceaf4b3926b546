/**
 * tinker-ts: the TypeScript SDK for the Tinker fine-tuning API.
 *
 * The package root re-exports the public surface; internals stay unexported.
 */
export { VERSION } from "./version.js";
