import { ServiceClient } from "../clients/index.js";
import type { RestClient } from "../clients/index.js";
import { CliError, EXIT } from "./errors.js";
import { type OutputFormat, type OutputStreams, type TableStyle, tableStyle } from "./output.js";

/** Default bound on each CLI call (`--timeout`, in seconds, overrides it). */
export const CLI_TIMEOUT_MS = 60_000;
/** Retries per retry layer of each CLI call (the SDK's own defaults retry for up to 5 minutes). */
export const CLI_MAX_RETRIES = 2;

/** What every command receives: the chosen format, the streams, and a lazily made REST client. */
export interface CliContext {
  readonly format: OutputFormat;
  readonly streams: OutputStreams;
  readonly env: NodeJS.ProcessEnv;
  /** Table layout: the terminal's width and colour (NO_COLOR honoured), none for a pipe. */
  readonly tableStyle: TableStyle;
  /** Reads a y/N answer; tests script it. */
  confirm(question: string): Promise<boolean>;
  /** A REST client on a fresh ServiceClient (configured from the environment). */
  rest(): Promise<RestClient>;
  /** Closes the ServiceClient if one was made. */
  close(): Promise<void>;
}

/** The CliContext of one invocation. */
export function createContext(
  format: OutputFormat,
  streams: OutputStreams,
  env: NodeJS.ProcessEnv,
  confirm: (question: string) => Promise<boolean>,
  timeoutMs: number = CLI_TIMEOUT_MS,
): CliContext {
  let service: ServiceClient | undefined;
  return {
    format,
    streams,
    env,
    tableStyle: tableStyle(streams, env),
    confirm,
    async rest() {
      if (!service) {
        try {
          // A finite bound on every call, and few retries: a command line should answer, not wait
          // 0.4.1's five minutes on an unreachable host.
          service = new ServiceClient({
            env,
            callOptions: { timeout: timeoutMs, maxRetries: CLI_MAX_RETRIES },
          });
        } catch (err) {
          throw new CliError(
            `Configuration error: ${(err as Error).message}`,
            "Please check your Tinker API credentials (TINKER_API_KEY, TINKER_BASE_URL).",
            EXIT.auth,
          );
        }
      }
      return service.createRestClient();
    },
    async close() {
      await service?.close();
      service = undefined;
    },
  };
}
