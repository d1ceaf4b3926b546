import { mkdir, rm } from "node:fs/promises";
import { isAbsolute, posix, resolve, sep } from "node:path";
import * as tar from "tar";
import { TinkerError } from "../errors/index.js";

/** An archive entry that would write outside the output directory, or is a link. */
export class UnsafeArchiveError extends TinkerError {
  constructor(
    message: string,
    readonly entryPath: string,
  ) {
    super(message, "TINKER_UNSAFE_ARCHIVE");
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

/**
 * Extracts the tar at `file` into `dest` (created), after checking every entry first: an absolute
 * path, a `..` segment or a link anywhere refuses the whole archive, and nothing is written.
 * On any failure `dest` is removed, so no partial output remains.
 */
export async function safeExtract(file: string, dest: string): Promise<string[]> {
  const root = resolve(dest);
  const entries: string[] = [];
  let problem: UnsafeArchiveError | null = null;
  await tar.t({
    file,
    strict: true,
    onReadEntry: (entry) => {
      const why = refusal(entry.path, entry.type, root);
      if (why && !problem) problem = new UnsafeArchiveError(`unsafe archive: ${why}`, entry.path);
      if (entry.type !== "Directory") entries.push(entry.path);
    },
  });
  if (problem) throw problem;
  await mkdir(root, { recursive: true });
  try {
    await tar.x({ file, cwd: root, strict: true, preservePaths: false });
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  return entries;
}
