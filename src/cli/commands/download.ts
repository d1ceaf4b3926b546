import { createWriteStream, existsSync, readdirSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { parseTinkerPath } from "../../lib/tinker-path.js";
import { safeExtract } from "../archive.js";
import type { CliContext } from "../context.js";
import { CliError, EXIT } from "../errors.js";
import { formatSize } from "../format.js";
import { printOutput } from "../output.js";
import { requireTinkerPath, type Runner } from "./shared.js";

/** Streams `url` into `file`, with a progress bar on stderr when it is a terminal. */
async function downloadTo(url: string, file: string, ctx: CliContext): Promise<number> {
  const response = await fetch(url);
  if (!response.ok || !response.body)
    throw new CliError(`Download failed: HTTP ${response.status} ${response.statusText}`);
  const total = Number(response.headers.get("content-length") ?? 0);
  const bar =
    ctx.streams.stderr.isTTY === true && total > 0
      ? new SingleBar(
          {
            format: "Downloading [{bar}] {percentage}%",
            stream: ctx.streams.stderr as NodeJS.WritableStream,
          },
          undefined,
        )
      : null;
  bar?.start(total, 0);
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      bar?.update(Math.min(received, total));
      done(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
      counter,
      createWriteStream(file),
    );
  } finally {
    bar?.stop();
  }
  return received;
}

/** Adds `checkpoint download PATH [--output DIR] [--force]`. */
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
        const parsed = parseTinkerPath(path);
        const outDir = resolve(
          opts.output ?? `${parsed.trainingRunId}_${parsed.checkpointId.replaceAll("/", "_")}`,
        );
        if (existsSync(outDir) && readdirSync(outDir).length > 0 && !opts.force)
          throw new CliError(
            `Output directory ${outDir} already exists and is not empty`,
            "Use --force to replace it, or --output to choose another directory.",
            EXIT.usage,
          );
        const rest = await ctx.rest();
        const { url } = await rest.getCheckpointArchiveUrlFromTinkerPath(path);
        const partial = join(dirname(outDir), `.${basename(outDir)}.${process.pid}.partial`);
        const archive = `${partial}.tar`;
        await mkdir(dirname(outDir), { recursive: true });
        try {
          const bytes = await downloadTo(url, archive, ctx);
          const files = await safeExtract(archive, partial);
          if (opts.force) await rm(outDir, { recursive: true, force: true });
          await rename(partial, outDir);
          printOutput(
            {
              title: `Downloaded ${path} (${formatSize(bytes)}, ${files.length} files) to ${outDir}`,
              columns: [],
              rows: [],
              json: { path, output_dir: outDir, size_bytes: bytes, files },
            },
            ctx.format,
            ctx.streams,
          );
        } finally {
          await rm(archive, { force: true });
          await rm(partial, { recursive: true, force: true });
        }
      }),
    );
}
