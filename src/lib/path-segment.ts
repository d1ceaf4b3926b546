/**
 * Ids put into URL paths (training run, checkpoint, sampler ids). 0.4.1 pastes them in raw, so
 * `getTrainingRun("../checkpoints?x=1")` asks for another resource; here every id is one encoded
 * segment, and a value that can never be an id (empty, `.`/`..`, not a string) is refused before
 * anything is sent. A `:` stays as it is (RFC 3986 allows it in a segment, and both SDKs send
 * `sess-1:train:0` that way).
 */
import { ValidationError } from "../errors/index.js";

/** `value` as one percent-encoded path segment; ValidationError naming `field` when it cannot be an id. */
export function pathSegment(value: unknown, field: string): string {
  if (typeof value !== "string") {
    throw new ValidationError(field, `expected a string id, got ${value === null ? "null" : typeof value}`);
  }
  if (value === "" || value === "." || value === "..") {
    throw new ValidationError(field, `${JSON.stringify(value)} is not an id`);
  }
  // `:` and `@` are path characters (RFC 3986 pchar) and stay as they are: 0.25.0's ids look like
  // `sess-1:sample:0`, and the SDK sends them unencoded.
  return encodeURIComponent(value).replaceAll("%3A", ":").replaceAll("%40", "@");
}

/**
 * A checkpoint id (`weights/0001`, `sampler_weights/final`): `/`-separated segments, each encoded
 * as {@link pathSegment} (so none can be `..` or carry a `?`).
 */
export function pathSegments(value: unknown, field: string): string {
  if (typeof value !== "string") return pathSegment(value, field);
  return value
    .split("/")
    .map((part) => pathSegment(part, field))
    .join("/");
}
