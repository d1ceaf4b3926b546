/**
 * The CLI's archive extraction is the SDK's (src/clients/archive.ts): re-exported here for the
 * commands and their tests.
 */
export { safeExtract, UnsafeArchiveError } from "../clients/archive.js";
