/**
 * Downloading a checkpoint from code: `downloadCheckpoint(rest, "tinker://run/weights/name", {
 * outputDir })` fetches a fresh archive URL, refuses an already expired one, streams the archive to
 * a temporary file with a size cap derived from the checkpoint's `size_bytes` (compressed transfers
 * are counted after decompression), extracts it safely (see ./archive.ts) and moves the result into
 * place. `tinker-ts checkpoint download` is a thin wrapper over it.
 */
import { createWriteStream, existsSync, readdirSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createInflate } from "node:zlib";
import { request } from "undici";
import { APIStatusError, CheckpointDownloadError } from "../errors/index.js";
import { parseTinkerPath } from "../lib/tinker-path.js";
import { describeArchiveError, safeExtract } from "./archive.js";
import type { RestClient } from "./rest-client.js";

/** Bytes allowed beyond twice the checkpoint's `size_bytes` (tar headers, metadata files). */
export const DOWNLOAD_SLACK_BYTES = 16 * 1024 * 1024;
/** Cap when the checkpoint's size is unknown (default of `maxBytes`): 64 GiB. */
export const DEFAULT_DOWNLOAD_MAX_BYTES = 64 * 1024 ** 3;

/** Progress of a download, reported as bytes arrive and once extraction starts and ends. */
export interface DownloadProgress {
  readonly phase: "download" | "extract" | "done";
  /** Archive bytes received so far (after decompression of the transfer). */
  readonly receivedBytes: number;
  /** The archive's size when the server declared it, else the checkpoint's `size_bytes`, else undefined. */
  readonly totalBytes: number | undefined;
}

/** Options of {@link downloadCheckpoint}. */
export interface DownloadCheckpointOptions {
  /** Directory to extract into (default `./<run-id>_<kind>_<name>`). */
  readonly outputDir?: string;
  /** Replace `outputDir` if it exists and is not empty (default: refuse). */
  readonly force?: boolean;
  /** Called as the download progresses. */
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly signal?: AbortSignal;
  /**
   * Most bytes the archive may have (downloaded and unpacked). Default: twice the checkpoint's
   * `size_bytes` plus 16 MiB, or 64 GiB when the size is unknown.
   */
  readonly maxBytes?: number;
  /** Clock for the expiry check (default `Date.now`). */
  readonly now?: () => number;
}

/** What {@link downloadCheckpoint} produced. */
export interface DownloadCheckpointResult {
  readonly path: string;
  /** Absolute path of the extracted checkpoint. */
  readonly outputDir: string;
  /** Archive bytes received. */
  readonly archiveBytes: number;
  /** The checkpoint's `size_bytes` as listed by the server (undefined when not listed). */
  readonly sizeBytes: number | undefined;
  /** Files extracted, relative to `outputDir`. */
  readonly files: string[];
}

/** The default output directory of a checkpoint path. */
export function defaultOutputDir(tinkerPath: string): string {
  const p = parseTinkerPath(tinkerPath);
  return `${p.trainingRunId}_${p.checkpointId.replaceAll("/", "_")}`;
}

/**
 * Downloads and extracts a checkpoint archive. Fails with `CheckpointDownloadError` (expired URL,
 * HTTP failure, archive too large for the checkpoint, corrupt or unsafe archive, disk errors) and
 * leaves nothing behind on failure.
 */
export async function downloadCheckpoint(
  rest: RestClient,
  tinkerPath: string,
  options: DownloadCheckpointOptions = {},
): Promise<DownloadCheckpointResult> {
  const parsed = parseTinkerPath(tinkerPath);
  const outDir = resolve(options.outputDir ?? defaultOutputDir(tinkerPath));
  if (existsSync(outDir) && readdirSync(outDir).length > 0 && !options.force) {
    throw new CheckpointDownloadError(
      `Output directory ${outDir} already exists and is not empty (pass force to replace it, or choose another directory)`,
      "TINKER_DOWNLOAD_IO",
    );
  }
  const sizeBytes = await listedSize(rest, parsed.trainingRunId, parsed.checkpointId);
  const maxBytes =
    options.maxBytes ??
    (sizeBytes === undefined ? DEFAULT_DOWNLOAD_MAX_BYTES : 2 * sizeBytes + DOWNLOAD_SLACK_BYTES);
  const { url, expires } = await rest.getCheckpointArchiveUrlFromTinkerPath(tinkerPath);
  const now = (options.now ?? Date.now)();
  const expiresAt = Date.parse(
    expires.endsWith("Z") || /[+-]\d\d:?\d\d$/.test(expires) ? expires : `${expires}Z`,
  );
  if (Number.isFinite(expiresAt) && expiresAt <= now) {
    throw new CheckpointDownloadError(
      `The archive URL the server gave for ${tinkerPath} had already expired (at ${new Date(expiresAt).toISOString()}, now ${new Date(now).toISOString()}); check this machine's clock, then try again for a fresh URL`,
      "TINKER_DOWNLOAD_EXPIRED",
    );
  }
  const partial = join(dirname(outDir), `.${basename(outDir)}.${process.pid}.partial`);
  const archive = `${partial}.tar`;
  await mkdir(dirname(outDir), { recursive: true });
  try {
    const archiveBytes = await fetchTo(url, archive, maxBytes, sizeBytes, options);
    options.onProgress?.({ phase: "extract", receivedBytes: archiveBytes, totalBytes: archiveBytes });
    const files = await safeExtract(archive, partial, { maxBytes });
    if (options.force) await rm(outDir, { recursive: true, force: true });
    await rename(partial, outDir).catch((err: unknown) => {
      throw describeArchiveError(err);
    });
    options.onProgress?.({ phase: "done", receivedBytes: archiveBytes, totalBytes: archiveBytes });
    return { path: tinkerPath, outputDir: outDir, archiveBytes, sizeBytes, files };
  } finally {
    await rm(archive, { force: true });
    await rm(partial, { recursive: true, force: true });
  }
}

/** The checkpoint's `size_bytes` from the run's checkpoint list, when the server lists it with one. */
async function listedSize(
  rest: RestClient,
  runId: string,
  checkpointId: string,
): Promise<number | undefined> {
  let checkpoints: ReadonlyArray<{ checkpoint_id: string; size_bytes?: number | null }>;
  try {
    ({ checkpoints } = await rest.listCheckpoints(runId));
  } catch (err) {
    // A server that cannot list (or an older one) still gets the default cap, not a failure.
    if (err instanceof APIStatusError) return undefined;
    throw err;
  }
  const size = checkpoints.find((c) => c.checkpoint_id === checkpointId)?.size_bytes;
  return typeof size === "number" && Number.isFinite(size) && size >= 0 ? size : undefined;
}

function tooLarge(
  received: string,
  maxBytes: number,
  sizeBytes: number | undefined,
): CheckpointDownloadError {
  const listed = sizeBytes === undefined ? "" : ` for a checkpoint listed at ${sizeBytes} bytes`;
  return new CheckpointDownloadError(
    `The checkpoint archive is ${received}, more than the ${maxBytes} bytes allowed${listed}; refused (pass maxBytes to allow more)`,
    "TINKER_DOWNLOAD_TOO_LARGE",
  );
}

/** Streams `url` into `file`, decoding a compressed transfer and stopping at `maxBytes`. */
async function fetchTo(
  url: string,
  file: string,
  maxBytes: number,
  sizeBytes: number | undefined,
  options: DownloadCheckpointOptions,
): Promise<number> {
  let res: Awaited<ReturnType<typeof request>>;
  try {
    // undici's request: no automatic decompression, so the cap below sees what lands on disk.
    res = await request(url, { signal: options.signal, headers: { "accept-encoding": "gzip, deflate" } });
  } catch (err) {
    throw new CheckpointDownloadError(
      `Could not download the checkpoint archive: ${err instanceof Error ? err.message : String(err)}`,
      "TINKER_DOWNLOAD_HTTP",
      { cause: err },
    );
  }
  if (res.statusCode < 200 || res.statusCode >= 300) {
    await res.body.dump().catch(() => {});
    const hint =
      res.statusCode === 400 || res.statusCode === 403 || res.statusCode === 404 || res.statusCode === 410
        ? " (the link may have expired or the checkpoint been deleted; run the download again for a fresh link)"
        : "";
    throw new CheckpointDownloadError(
      `Download failed: HTTP ${res.statusCode}${hint}`,
      "TINKER_DOWNLOAD_HTTP",
    );
  }
  const enc = String(res.headers["content-encoding"] ?? "identity").toLowerCase();
  const declared = Number(res.headers["content-length"] ?? Number.NaN);
  if (enc === "identity" && declared > maxBytes) {
    res.body.destroy();
    throw tooLarge(`${declared} bytes`, maxBytes, sizeBytes);
  }
  const total = enc === "identity" && Number.isFinite(declared) ? declared : sizeBytes;
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      if (received > maxBytes) return done(tooLarge(`over ${maxBytes} bytes`, maxBytes, sizeBytes));
      options.onProgress?.({ phase: "download", receivedBytes: received, totalBytes: total });
      done(null, chunk);
    },
  });
  const stages: NodeJS.ReadWriteStream[] = [];
  if (enc === "gzip" || enc === "x-gzip") stages.push(createGunzip());
  else if (enc === "deflate") stages.push(createInflate());
  else if (enc !== "identity") {
    res.body.destroy();
    throw new CheckpointDownloadError(
      `The archive was sent with an unsupported content-encoding '${enc}'`,
      "TINKER_DOWNLOAD_HTTP",
    );
  }
  try {
    await pipeline([Readable.from(res.body), ...stages, counter, createWriteStream(file)]);
  } catch (err) {
    if (err instanceof CheckpointDownloadError) throw err;
    if (options.signal?.aborted) throw err;
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === "string" && code.startsWith("Z_")) {
      throw new CheckpointDownloadError(
        `The archive transfer was not valid ${enc} data; download it again`,
        "TINKER_DOWNLOAD_BAD_ARCHIVE",
        { cause: err },
      );
    }
    if (code === "ENOSPC" || code === "EACCES" || code === "EPERM") throw describeArchiveError(err);
    throw new CheckpointDownloadError(
      `The archive download was interrupted: ${err instanceof Error ? err.message : String(err)}`,
      "TINKER_DOWNLOAD_HTTP",
      { cause: err },
    );
  }
  return received;
}
