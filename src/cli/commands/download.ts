import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { type DownloadProgress, defaultOutputDir } from "../../clients/download.js";
import { CheckpointDownloadError } from "../../errors/index.js";
import type { CliContext } from "../context.js";
import { CliError, EXIT } from "../errors.js";
import { formatSize } from "../format.js";
import { printOutput } from "../output.js";
import { requireTinkerPath, type Runner } from "./shared.js";

/** A progress bar on stderr when it is a terminal (nothing otherwise). */
function progressBar(ctx: CliContext): { update(p: DownloadProgress): void; stop(): void } {
  if (ctx.streams.stderr.isTTY !== true) return { update() {}, stop() {} };
  let bar: SingleBar | null = null;
  return {
    update(p) {
      if (p.phase !== "download" || p.totalBytes === undefined || p.totalBytes <= 0) return;
      if (!bar) {
        bar = new SingleBar(
          {
            format: "Downloading [{bar}] {percentage}%",
            stream: ctx.streams.stderr as NodeJS.WritableStream,
          },
          undefined,
        );
        bar.start(p.totalBytes, 0);
      }
      bar.update(Math.min(p.receivedBytes, p.totalBytes));
    },
    stop() {
      bar?.stop();
    },
  };
}

/** Adds `checkpoint download PATH [--output DIR] [--force]`: the SDK's `downloadCheckpoint` with a bar. */
export function addDownloadCommand(group: Command, run: Runner): void {
  group
    .command("download")
    .description("Download a checkpoint archive and extract it safely")
    .argument("<checkpoint-path>", "tinker:// path of the checkpoint")
    .option("-o, --output <dir>", "Directory to extract into (default: ./<run-id>_<checkpoint>)")
    .option("--force", "Replace the output directory if it exists")
    .action((path: string, opts: { output?: string; force?: boolean }) =>
      run(async (ctx) => {
        requireTinkerPath(path);
        const rest = await ctx.rest();
        const bar = progressBar(ctx);
        let result: Awaited<ReturnType<typeof rest.downloadCheckpoint>>;
        try {
          result = await rest.downloadCheckpoint(path, {
            outputDir: opts.output ?? defaultOutputDir(path),
            force: opts.force === true,
            onProgress: (p) => bar.update(p),
          });
        } catch (err) {
          if (
            err instanceof CheckpointDownloadError &&
            err.code === "TINKER_DOWNLOAD_IO" &&
            /already exists/.test(err.message)
          ) {
            throw new CliError(
              err.message.replace(/ \(pass force.*\)$/, ""),
              "Use --force to replace it, or --output to choose another directory.",
              EXIT.usage,
            );
          }
          throw err;
        } finally {
          bar.stop();
        }
        const { outputDir, archiveBytes, files } = result;
        printOutput(
          {
            title: `Downloaded ${path} (${formatSize(archiveBytes)}, ${files.length} files) to ${outputDir}`,
            columns: [],
            rows: [],
            json: { path, output_dir: outputDir, size_bytes: archiveBytes, files },
          },
          ctx.format,
          ctx.streams,
          ctx.tableStyle,
        );
      }),
    );
}
