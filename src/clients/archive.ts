/**
 * Safe extraction of a checkpoint archive: every entry is checked before anything is written (no
 * absolute paths, no `..`, no links or special files), the declared sizes are added up against a
 * cap while listing (a `.tar.gz` bomb stops at the cap, not after inflating), and tar's and zlib's
 * errors become {@link CheckpointDownloadError}s a user can act on.
 */
import { createReadStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { isAbsolute, posix, resolve, sep } from "node:path";
import * as tar from "tar";
import { CheckpointDownloadError } from "../errors/index.js";

/** An archive entry that would write outside the output directory, or is a link. */
export class UnsafeArchiveError extends CheckpointDownloadError {
  declare readonly entryPath: string;
  constructor(message: string, entryPath: string) {
    super(message, "TINKER_UNSAFE_ARCHIVE", { entryPath });
  }
}

const ALLOWED_TYPES = new Set(["File", "OldFile", "ContiguousFile", "Directory"]);

// Why an entry is refused, or null when it is a plain file or directory inside the destination.
function refusal(entryPath: string, type: string, dest: string): string | null {
  if (!ALLOWED_TYPES.has(type)) return `entry ${entryPath} is a ${type}; links and special files are refused`;
  const normalized = entryPath.replaceAll("\\", "/");
  if (isAbsolute(entryPath) || posix.isAbsolute(normalized) || /^[a-zA-Z]:/.test(normalized))
    return `entry ${entryPath} has an absolute path`;
  if (normalized.split("/").includes("..")) return `entry ${entryPath} climbs out with '..'`;
  const target = resolve(dest, normalized);
  if (target !== dest && !target.startsWith(dest + sep))
    return `entry ${entryPath} escapes the output directory`;
  return null;
}

/** Options of {@link safeExtract}. */
export interface SafeExtractOptions {
  /** Most bytes the archive may unpack to (sum of its files' sizes); default unlimited. */
  readonly maxBytes?: number;
}

/**
 * Turns an error of tar, zlib or the file system into a message a user understands. Already typed
 * errors pass through.
 */
export function describeArchiveError(err: unknown): CheckpointDownloadError {
  if (err instanceof CheckpointDownloadError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const msg = err instanceof Error ? err.message : String(err);
  const bad = (what: string) =>
    new CheckpointDownloadError(
      `The downloaded checkpoint archive ${what}; download it again (if it keeps failing, the checkpoint itself may be damaged)`,
      "TINKER_DOWNLOAD_BAD_ARCHIVE",
      { cause: err },
    );
  if (code === "TAR_BAD_ARCHIVE" || code === "TAR_ENTRY_INVALID" || code === "TAR_ENTRY_UNSUPPORTED")
    return bad("is not a valid tar file");
  if (code === "TAR_ABORT" || /unexpected end|truncated/i.test(msg)) return bad("is truncated or corrupt");
  if (typeof code === "string" && code.startsWith("Z_")) return bad("is not valid gzip data");
  if (code === "ENOSPC")
    return new CheckpointDownloadError(
      "No space left on the device while extracting the checkpoint; free some space or choose another --output",
      "TINKER_DOWNLOAD_IO",
      { cause: err },
    );
  if (code === "EACCES" || code === "EPERM" || code === "EROFS")
    return new CheckpointDownloadError(
      `Cannot write the checkpoint files (${String(code)}); check the output directory's permissions`,
      "TINKER_DOWNLOAD_IO",
      { cause: err },
    );
  return bad(`could not be read (${msg})`);
}

/** Lists the archive's entries, refusing unsafe ones and stopping as soon as the sizes pass the cap. */
async function listChecked(file: string, root: string, maxBytes: number): Promise<string[]> {
  const entries: string[] = [];
  let total = 0;
  await new Promise<void>((resolvePromise, reject) => {
    const input = createReadStream(file);
    const parser = new tar.Parser({ strict: true });
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      input.destroy();
      parser.abort(err instanceof Error ? err : new Error(String(err)));
      reject(err);
    };
    parser.on("entry", (entry: tar.ReadEntry) => {
      const why = refusal(entry.path, entry.type, root);
      if (why) return fail(new UnsafeArchiveError(`unsafe archive: ${why}`, entry.path));
      total += entry.size ?? 0;
      if (total > maxBytes) {
        return fail(
          new CheckpointDownloadError(
            `The checkpoint archive unpacks to more than ${maxBytes} bytes (at ${entry.path}), more than the checkpoint's size allows; refused`,
            "TINKER_DOWNLOAD_TOO_LARGE",
            { entryPath: entry.path },
          ),
        );
      }
      if (entry.type !== "Directory") entries.push(entry.path);
      entry.resume();
    });
    parser.on("error", fail);
    parser.on("warn", (code: string, message: string, data: unknown) => {
      // strict mode turns most warnings into errors; the rest are refusals too.
      fail(Object.assign(new Error(message), { code, data }));
    });
    parser.on("end", () => {
      if (!failed) resolvePromise();
    });
    input.on("error", fail);
    input.pipe(parser);
  });
  return entries;
}

/**
 * Extracts the tar (or `.tar.gz`) at `file` into `dest` (created), after checking every entry
 * first: an absolute path, a `..` segment or a link anywhere refuses the whole archive, and nothing
 * is written. On any failure `dest` is removed, so no partial output remains. Errors are
 * `CheckpointDownloadError`s (`UnsafeArchiveError` for the refusals).
 */
export async function safeExtract(
  file: string,
  dest: string,
  options: SafeExtractOptions = {},
): Promise<string[]> {
  const root = resolve(dest);
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  let entries: string[];
  try {
    entries = await listChecked(file, root, maxBytes);
  } catch (err) {
    throw describeArchiveError(err);
  }
  await mkdir(root, { recursive: true });
  try {
    await tar.x({ file, cwd: root, strict: true, preservePaths: false });
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw describeArchiveError(err);
  }
  return entries;
}
