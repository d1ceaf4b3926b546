import { ServiceClient } from "../clients/index.js";
import type { RestClient } from "../clients/index.js";
import { CliError, EXIT } from "./errors.js";
import type { OutputFormat, OutputStreams } from "./output.js";

/** What every command receives: the chosen format, the streams, and a lazily made REST client. */
export interface CliContext {
  readonly format: OutputFormat;
  readonly streams: OutputStreams;
  readonly env: NodeJS.ProcessEnv;
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
): CliContext {
  let service: ServiceClient | undefined;
  return {
    format,
    streams,
    env,
    confirm,
    async rest() {
      if (!service) {
        try {
          service = new ServiceClient({ env });
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
