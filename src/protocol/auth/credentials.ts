/**
 * Where a holder's credential comes from (golden README, fact 18): the `apiKey` option, then
 * `TINKER_API_KEY`, then the output of `TINKER_CREDENTIAL_CMD`, which runs again for every request
 * of a fresh credential. Running the command is injected, so tests need no shell.
 */
import { spawn } from "node:child_process";
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

/** After the shell exits, how long a pipe a background child keeps open is still read. */
const STDOUT_GRACE_MS = 200;

/** Output beyond this is refused (a credential is short). */
const MAX_OUTPUT_BYTES = 1 << 20;

/**
 * A RunCommand on `sh -c` in a process group of its own, output capped at 1 MiB. It settles when
 * the shell exits — a background child still holding stdout does not hold the credential back —
 * and after `timeoutMs` the whole group is killed, so the wait is bounded whatever the command
 * starts. A failure says how the command ended (exit code, signal or timeout), never what it printed.
 */
export function shellCommandRunner(timeoutMs = CREDENTIAL_CMD_TIMEOUT_MS): RunCommand {
  return (command) =>
    new Promise((resolve, reject) => {
      const child = spawn("sh", ["-c", command], {
        detached: process.platform !== "win32",
        stdio: ["ignore", "pipe", "ignore"],
        windowsHide: true,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const killGroup = () => {
        try {
          if (child.pid !== undefined && process.platform !== "win32") process.kill(-child.pid, "SIGKILL");
          else child.kill("SIGKILL");
        } catch {
          // Already gone.
        }
      };
      const fail = (how: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        killGroup();
        reject(new AuthError(`TINKER_CREDENTIAL_CMD failed: the command ${how}`, "credential_cmd_failed"));
      };
      const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
      child.stdout.on("data", (b: Buffer) => {
        size += b.length;
        if (size > MAX_OUTPUT_BYTES) fail(`printed more than ${MAX_OUTPUT_BYTES} bytes`);
        else chunks.push(b);
      });
      child.on("error", (e: NodeJS.ErrnoException) => fail(`could not run (${e.code ?? "error"})`));
      let exited = false;
      let ended = false;
      const succeed = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.stdout.destroy();
        killGroup();
        resolve(Buffer.concat(chunks).toString("utf8"));
      };
      child.stdout.on("end", () => {
        ended = true;
        if (exited) succeed();
      });
      child.on("exit", (code, signal) => {
        if (code !== 0) return fail(signal ? `was killed by ${signal}` : `exited with code ${code}`);
        exited = true;
        // What the shell wrote is in the pipe; a child still holding it open gets a short grace
        // for that to be read, then is ended with the group.
        if (ended) succeed();
        else setTimeout(succeed, STDOUT_GRACE_MS);
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
