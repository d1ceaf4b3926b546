/**
 * The SDK's logger: levels, a `logger` option and `TINKER_LOG` (read as 0.4.1 reads it: `debug` or
 * `info` turns on that level; anything else leaves the default). By default warnings and errors
 * go to stderr, so a call that keeps waiting, or a future that fails unobserved, is never silent.
 * Messages never carry headers, bodies or keys (callers pass what they describe, not the request).
 */

/** Severity levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "off";

/** Where the SDK's messages go (console-like; any method may be missing). */
export interface Logger {
  /** Every retry and wait, with its reason (`TINKER_LOG=debug`). */
  debug?(message: string): void;
  /** Progress worth knowing (`TINKER_LOG=info`). */
  info?(message: string): void;
  /** A call that keeps waiting or retrying, a future that failed unobserved (the default level). */
  warn?(message: string): void;
  /** Failures. */
  error?(message: string): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, off: 4 };

/** The logger the SDK writes to: a level filter over the sink. */
export interface SdkLogger {
  readonly level: LogLevel;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** stderr, with a prefix naming the SDK. */
const STDERR: Logger = {
  debug: (m) => process.stderr.write(`tinker-ts debug: ${m}\n`),
  info: (m) => process.stderr.write(`tinker-ts info: ${m}\n`),
  warn: (m) => process.stderr.write(`tinker-ts warning: ${m}\n`),
  error: (m) => process.stderr.write(`tinker-ts error: ${m}\n`),
};

/** The level from `TINKER_LOG` (`debug`/`info`, as 0.4.1; also `warn`, `error`, `off`). */
function levelFromEnv(env: NodeJS.ProcessEnv): LogLevel | undefined {
  const v = env.TINKER_LOG?.trim().toLowerCase();
  if (v === "warning") return "warn";
  return v !== undefined && v in RANK ? (v as LogLevel) : undefined;
}

/** The SDK logger of a client: `level` option, else TINKER_LOG, else `warn`; sink default stderr. */
export function createLogger(
  sink: Logger | undefined,
  level: LogLevel | undefined,
  env: NodeJS.ProcessEnv,
): SdkLogger {
  const lvl = level ?? levelFromEnv(env) ?? "warn";
  const out = sink ?? STDERR;
  const at =
    (l: Exclude<LogLevel, "off">) =>
    (message: string): void => {
      if (RANK[l] < RANK[lvl]) return;
      try {
        out[l]?.(message);
      } catch {
        // a failing logger must never fail a call
      }
    };
  return { level: lvl, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
