import { TinkerError } from "../errors/index.js";
import { pythonSeconds } from "../lib/python-float.js";

/** 0.4.1's production endpoint, used when neither option nor TINKER_BASE_URL is set. */
export const DEFAULT_BASE_URL = "https://tinker.thinkingmachines.dev/services/tinker-prod";
/** Default per-request timeout in ms (0.4.1: httpx.Timeout(60, connect=5)). */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Default connect timeout in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Default number of retries per call. */
export const DEFAULT_MAX_RETRIES = 10;

/** User-facing client options. */
export interface ClientOptions {
  apiKey?: string;
  baseUrl?: string;
  /** Milliseconds; default 60_000. */
  timeout?: number;
  maxRetries?: number;
  defaultHeaders?: Record<string, string>;
  tags?: string[];
  telemetry?: boolean;
  /**
   * Largest response body accepted, in bytes after decompression (default 256 MiB); a larger or
   * bomb-like answer fails with `ResponseTooLargeError` and is not retried.
   */
  maxResponseBytes?: number;
}

/** Fully resolved configuration used by Transport. */
export interface ResolvedConfig {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /**
   * `x-stainless-read-timeout` for calls on the client's timeout, as 0.4.1 writes it: `60` for its
   * default (an int), a Python float for a timeout the user gave (`1.0`, `0.75`).
   */
  readonly readTimeoutHeader: string;
  readonly connectTimeoutMs: number;
  readonly maxRetries: number;
  readonly defaultHeaders: Readonly<Record<string, string>>;
  readonly tags: readonly string[];
  readonly telemetryEnabled: boolean;
  /** Cap on a decompressed response body (unset: `DEFAULT_MAX_RESPONSE_BYTES`). */
  readonly maxResponseBytes?: number;
}

/**
 * Merge options with the environment. An explicit `apiKey` beats TINKER_API_KEY
 * (documented deviation: 0.4.1 lets the env header override the option).
 */
export function resolveConfig(
  options: ClientOptions = {},
  env: NodeJS.ProcessEnv = process.env,
  /** An environment variable that may stand in for the key (0.25.0's `TINKER_CREDENTIAL_CMD`). */
  credentialCommandEnv: string | null = null,
): ResolvedConfig {
  // With a credential command and no key, `apiKey` is "" and the holder supplies every credential.
  const commandOnly = credentialCommandEnv !== null && Boolean(env[credentialCommandEnv]);
  const apiKey = options.apiKey ?? env.TINKER_API_KEY ?? (commandOnly ? "" : undefined);
  if (apiKey === undefined) {
    throw new TinkerError(
      "The apiKey client option must be set either by passing apiKey to the client or by setting the TINKER_API_KEY environment variable",
      "TINKER_MISSING_API_KEY",
    );
  }
  if (typeof apiKey !== "string" || (apiKey === "" && !commandOnly))
    throw configError("apiKey must be a non-empty string");
  const baseUrl = options.baseUrl ?? env.TINKER_BASE_URL ?? DEFAULT_BASE_URL;
  // The value is not echoed: a key pasted into the wrong option must not end up in a log.
  if (!isHttpUrl(baseUrl))
    throw configError(
      `baseUrl must be an http(s) URL such as https://host/path (the value given, ${describeValue(baseUrl)}, is not shown in case it is a secret)`,
    );
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw configError("maxRetries must be a non-negative integer");
  }
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeout !== "number" || !(timeout > 0) || !Number.isFinite(timeout)) {
    throw configError(`timeout must be a positive number of milliseconds, got ${String(timeout)}`);
  }
  if (
    options.tags !== undefined &&
    (!Array.isArray(options.tags) || options.tags.some((t) => typeof t !== "string"))
  ) {
    throw configError("tags must be an array of strings");
  }
  const maxResponseBytes = options.maxResponseBytes;
  if (maxResponseBytes !== undefined && !(Number.isInteger(maxResponseBytes) && maxResponseBytes > 0)) {
    throw configError("maxResponseBytes must be a positive integer number of bytes");
  }
  for (const [k, v] of Object.entries(options.defaultHeaders ?? {})) {
    if (typeof v !== "string") throw configError(`defaultHeaders.${k} must be a string`);
  }
  const envHeaders: Record<string, string> = {};
  if (env.CLOUDFLARE_ACCESS_CLIENT_ID) envHeaders["CF-Access-Client-Id"] = env.CLOUDFLARE_ACCESS_CLIENT_ID;
  if (env.CLOUDFLARE_ACCESS_CLIENT_SECRET) {
    envHeaders["CF-Access-Client-Secret"] = env.CLOUDFLARE_ACCESS_CLIENT_SECRET;
  }
  // TINKER_TAGS is a comma list; 0.4.1 turns it into a set, so duplicates go.
  const envTags = (env.TINKER_TAGS ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  const tags = [...new Set([...(options.tags ?? []), ...envTags])];
  const telemetryEnv = (env.TINKER_TELEMETRY ?? "1").toLowerCase();
  const telemetryEnabled = options.telemetry ?? ["1", "true", "yes", "on"].includes(telemetryEnv);
  return withRedactedInspect({
    apiKey,
    baseUrl,
    timeoutMs: timeout,
    readTimeoutHeader: pythonSeconds(timeout, options.timeout !== undefined),
    connectTimeoutMs: Math.min(DEFAULT_CONNECT_TIMEOUT_MS, timeout),
    maxRetries,
    defaultHeaders: { ...envHeaders, ...(options.defaultHeaders ?? {}) },
    tags,
    telemetryEnabled,
    ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
  });
}

/** What a rejected value was, without its content. */
function describeValue(value: unknown): string {
  return typeof value === "string" ? `a string of ${value.length} characters` : `a ${typeof value}`;
}

/**
 * Makes `util.inspect` (and `console.log`) show the config with the key and credential headers
 * redacted; `JSON.stringify` likewise. The fields themselves stay readable for the transport.
 */
function withRedactedInspect(config: ResolvedConfig): ResolvedConfig {
  const redacted = () => ({
    ...config,
    apiKey: "[redacted]",
    defaultHeaders: Object.fromEntries(
      Object.entries(config.defaultHeaders).map(([k, v]) => [
        k,
        /secret|key|auth|token/i.test(k) ? "[redacted]" : v,
      ]),
    ),
  });
  Object.defineProperties(config, {
    [Symbol.for("nodejs.util.inspect.custom")]: { value: redacted },
    toJSON: { value: redacted },
  });
  return config;
}

function configError(message: string): TinkerError {
  return new TinkerError(message, "TINKER_CONFIG");
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  try {
    const { protocol } = new URL(value);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}
