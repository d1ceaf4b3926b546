/**
 * Where a holder's credential comes from (golden README, fact 18): the `apiKey` option, then
 * `TINKER_API_KEY`, then the output of `TINKER_CREDENTIAL_CMD`, which runs again for every request
 * of a fresh credential. Running the command is injected, so tests need no shell.
 */
import { exec } from "node:child_process";
import { AuthError } from "./errors.js";
import { isJwtCredential } from "./jwt.js";

/** Gives the credential to send (an API key, a JWT, or a command's output). */
export interface CredentialProvider {
  /** `"api_key"` (a fixed string) or `"credential_cmd"` (runs a command each time). */
  readonly kind: "api_key" | "credential_cmd";
  getCredential(): Promise<string>;
}

/** Runs a shell command and gives its standard output. */
export type RunCommand = (command: string) => Promise<string>;

/** Environment variable of the credential command. */
export const CREDENTIAL_CMD_ENV = "TINKER_CREDENTIAL_CMD";

/** How long the credential command may run (30 s). */
export const CREDENTIAL_CMD_TIMEOUT_MS = 30_000;

/**
 * A RunCommand on `sh -c`, killed after `timeoutMs`, output capped at 1 MiB. A failure says how the
 * command ended (exit code, signal or timeout), never what it printed.
 */
export function shellCommandRunner(timeoutMs = CREDENTIAL_CMD_TIMEOUT_MS): RunCommand {
  return (command) =>
    new Promise((resolve, reject) => {
      exec(command, { timeout: timeoutMs, maxBuffer: 1 << 20, windowsHide: true }, (err, stdout) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: unknown };
        const how = e.killed
          ? `timed out after ${timeoutMs} ms`
          : e.signal
            ? `was killed by ${e.signal}`
            : typeof e.code === "number"
              ? `exited with code ${e.code}`
              : `could not run (${String(e.code ?? "error")})`;
        reject(new AuthError(`TINKER_CREDENTIAL_CMD failed: the command ${how}`, "credential_cmd_failed"));
      });
    });
}

/** The default RunCommand: {@link shellCommandRunner} with the 30 s timeout. */
export const runShellCommand: RunCommand = shellCommandRunner();

/** A fixed API key (or JWT). Refuses a missing key and one without the `tml-` / `eyJ` prefix. */
export function apiKeyProvider(
  apiKey: string | undefined | null,
  env: Readonly<Record<string, string | undefined>> = process.env,
): CredentialProvider {
  const key = apiKey || env.TINKER_API_KEY;
  if (!key) {
    throw new AuthError(
      "No API key: the api_key client option must be set, either passed to the client (apiKey) or in the TINKER_API_KEY environment variable",
      "missing_api_key",
    );
  }
  if (!key.startsWith("tml-") && !isJwtCredential(key)) {
    throw new AuthError("An API key starts with 'tml-' (or is a JWT, 'eyJ…')", "bad_api_key_prefix");
  }
  return { kind: "api_key", getCredential: async () => key };
}

/** Runs `command` on every call; its trimmed output is the credential. */
export function credentialCommandProvider(
  command: string | undefined,
  run: RunCommand = runShellCommand,
): CredentialProvider {
  if (!command) {
    throw new AuthError(
      "This server asks for dynamic credentials: set TINKER_CREDENTIAL_CMD to a command that prints one.",
      "missing_credential_cmd",
    );
  }
  return {
    kind: "credential_cmd",
    async getCredential() {
      const credential = (await run(command)).trim();
      if (!credential)
        throw new AuthError(
          "TINKER_CREDENTIAL_CMD printed nothing (an empty credential).",
          "empty_credential",
        );
      return credential;
    },
  };
}

/** Options of `resolveCredentialProvider`. */
export interface ResolveCredentialOptions {
  apiKey?: string | null;
  env?: Readonly<Record<string, string | undefined>>;
  /** The server said `credential_default_source: "credential_cmd"`: the command wins over a key. */
  enforceCommand?: boolean;
  run?: RunCommand;
}

/**
 * 0.25.0's choice: a JWT given as the key is used as is; with `enforceCommand` the command is used;
 * otherwise the key, falling back to the command when there is no key.
 */
export function resolveCredentialProvider(o: ResolveCredentialOptions = {}): CredentialProvider {
  const env = o.env ?? process.env;
  const command = env[CREDENTIAL_CMD_ENV] ?? "";
  const key = o.apiKey || env.TINKER_API_KEY || "";
  if (key && isJwtCredential(key)) return apiKeyProvider(key, env);
  if (o.enforceCommand) return credentialCommandProvider(command, o.run);
  try {
    return apiKeyProvider(o.apiKey, env);
  } catch (e) {
    if (command) return credentialCommandProvider(command, o.run);
    throw e;
  }
}
