import { createInterface } from "node:readline/promises";
import { Command, CommanderError, Option } from "commander";
import { VERSION } from "../version.js";
import { addBillingCommands } from "./commands/billing.js";
import { addCheckpointCommands } from "./commands/checkpoint.js";
import { addEmulatorCommand } from "./commands/emulator.js";
import { addRunCommands } from "./commands/run.js";
import { addSessionCommands } from "./commands/session.js";
import type { Runner } from "./commands/shared.js";
import { CLI_TIMEOUT_MS, type CliContext, createContext } from "./context.js";
import { type CliError, EXIT, toCliError } from "./errors.js";
import type { OutputFormat, OutputStreams } from "./output.js";

/** Everything the CLI touches outside itself, so tests can run it in-process. */
export interface CliIO extends OutputStreams {
  readonly env: NodeJS.ProcessEnv;
  /** Answers a y/N question (default: reads a line from stdin). */
  confirm?(question: string): Promise<boolean>;
  /** Resolves when the user stops a foreground command (default: SIGINT/SIGTERM). */
  untilStopped?(): Promise<void>;
}

async function readConfirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } catch {
    return false;
  } finally {
    rl.close();
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

/** Prints an error the way 0.4.1 does (`Error: …` then details), or a JSON error object with `-f json`. */
function reportError(err: CliError, format: OutputFormat, io: CliIO, debug: boolean, cause: unknown): void {
  if (format === "json") {
    const body = { error: { message: err.message, details: err.details, exit_code: err.exitCode } };
    io.stderr.write(`${JSON.stringify(body)}\n`);
  } else {
    if (err.message) io.stderr.write(`Error: ${err.message}\n`);
    if (err.details) io.stderr.write(`${err.details}\n`);
  }
  if (debug && cause instanceof Error && cause.stack) io.stderr.write(`${cause.stack}\n`);
}

/** Runs the `tinker-ts` CLI with `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode: number = EXIT.ok;
  let ctx: CliContext | undefined;
  const program = new Command("tinker-ts")
    .description("Tinker management CLI: checkpoints, training runs, sessions, billing and a local emulator.")
    .version(VERSION, "-V, --version", "Print the tinker-ts version")
    .helpOption("-h, --help", "Show help")
    .addOption(
      new Option("-f, --format <format>", "Output format (default: table)")
        .choices(["table", "json"])
        .default("table"),
    )
    .option("--debug", "Print stack traces of errors")
    .option("--timeout <seconds>", "Bound on each API call, retries included (default: 60)")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  const run: Runner = async (body) => {
    const { format, debug, timeout } = program.opts<{
      format: OutputFormat;
      debug?: boolean;
      timeout?: string;
    }>();
    const seconds = timeout === undefined ? CLI_TIMEOUT_MS / 1000 : Number(timeout);
    if (!(seconds > 0) || !Number.isFinite(seconds)) {
      io.stderr.write(`Error: --timeout must be a positive number of seconds, got ${timeout}\n`);
      exitCode = EXIT.usage;
      return;
    }
    ctx = createContext(format, io, io.env, io.confirm ?? readConfirm, seconds * 1000);
    try {
      await body(ctx);
    } catch (err) {
      const cliError = toCliError(err);
      reportError(cliError, format, io, debug === true, err);
      exitCode = cliError.exitCode;
    } finally {
      await ctx.close().catch(() => undefined);
    }
  };
  program
    .command("version")
    .description("Print the tinker-ts version")
    .action(() => {
      io.stdout.write(`tinker-ts ${VERSION}\n`);
    });
  addRunCommands(program, run);
  addCheckpointCommands(program, run);
  addSessionCommands(program, run);
  addBillingCommands(program, run);
  addEmulatorCommand(program, run, io.untilStopped ?? untilSignal);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.ok;
    }
    await program.parseAsync([...argv], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0; usage errors exit 2 like Click.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw err;
  }
  return exitCode;
}
