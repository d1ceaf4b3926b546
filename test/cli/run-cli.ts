/**
 * Runs the CLI in-process through `runCli(argv, io)`, as bin.ts does but with captured streams, a
 * given environment and scripted answers: no build and no child process needed. (The built binary
 * itself is run once, by the packaging check in .ci/post-build.)
 */
import { runCli } from "../../src/cli/main.js";

/** Exit code and output of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCliInProcess}. */
export interface InProcessOptions {
  /** Stdin: the first line answers a y/N confirmation, as a terminal user would. */
  input?: string;
  /** Resolves when a foreground command (the emulator) should stop, in place of SIGINT. */
  untilStopped?: () => Promise<void>;
  /** Called with everything written to stdout so far, after each write. */
  onStdout?: (stdout: string) => void;
}

/**
 * Runs `tinker-ts ARGS` with exactly `env` (`undefined` values removed: the host's TINKER_* never
 * leak in). Paths the command resolves are resolved against the test's own absolute paths.
 */
export async function runCliInProcess(
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: InProcessOptions = {},
): Promise<CliResult> {
  const fullEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) fullEnv[k] = v;
  let stdout = "";
  let stderr = "";
  const answer = (options.input ?? "").split("\n")[0]?.trim() ?? "";
  const code = await runCli(args, {
    env: fullEnv,
    stdout: {
      write(chunk: string) {
        stdout += chunk;
        options.onStdout?.(stdout);
        return true;
      },
    },
    stderr: {
      write(chunk: string) {
        stderr += chunk;
        return true;
      },
    },
    confirm: async (question: string) => {
      stdout += question;
      return /^y(es)?$/i.test(answer);
    },
    untilStopped: options.untilStopped,
  });
  return { code, stdout, stderr };
}
