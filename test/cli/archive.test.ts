import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";
import { afterAll, describe, expect, it } from "vitest";
import { safeExtract, UnsafeArchiveError } from "../../src/cli/archive.js";

const root = mkdtempSync(join(tmpdir(), "tinker-archive-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A tar made from `files` (relative to a scratch dir), entry names kept exactly (preservePaths). */
async function makeTar(name: string, files: Record<string, string>, entries: string[]): Promise<string> {
  const src = join(root, `${name}-src`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(src, path, ".."), { recursive: true });
    writeFileSync(join(src, path), content);
  }
  const file = join(root, `${name}.tar`);
  await tar.c({ file, cwd: src, preservePaths: true }, entries);
  return file;
}

describe("safeExtract", () => {
  it("extracts plain files and directories", async () => {
    const file = await makeTar("ok", { "adapter/weights.bin": "W", "config.json": "{}" }, [
      "adapter",
      "config.json",
    ]);
    const dest = join(root, "ok-out");
    const files = await safeExtract(file, dest);
    expect(files.sort()).toEqual(["adapter/weights.bin", "config.json"]);
    expect(readFileSync(join(dest, "adapter/weights.bin"), "utf8")).toBe("W");
  });

  it("refuses an entry that climbs out with '..' and writes nothing", async () => {
    writeFileSync(join(root, "evil.txt"), "pwned"); // what "a/../../evil.txt" names from the source dir
    const file = await makeTar("dotdot", { "a/x": "1" }, ["a/x", "a/../../evil.txt"]);
    const dest = join(root, "dotdot-out", "inner");
    await expect(safeExtract(file, dest)).rejects.toBeInstanceOf(UnsafeArchiveError);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(join(root, "dotdot-out", "evil.txt"))).toBe(false);
  });

  it("refuses absolute paths", async () => {
    const target = join(root, "abs-target.txt");
    writeFileSync(target, "original");
    const file = join(root, "abs.tar");
    await tar.c({ file, cwd: root, preservePaths: true }, [target]);
    const dest = join(root, "abs-out");
    await expect(safeExtract(file, dest)).rejects.toThrow(/absolute path/);
    expect(existsSync(dest)).toBe(false);
  });

  it("refuses symbolic links", async () => {
    const src = join(root, "link-src");
    mkdirSync(src, { recursive: true });
    symlinkSync("/etc/passwd", join(src, "passwd"));
    const file = join(root, "link.tar");
    await tar.c({ file, cwd: src }, ["passwd"]);
    await expect(safeExtract(file, join(root, "link-out"))).rejects.toThrow(/SymbolicLink/);
  });

  it("fails on a corrupt archive without leaving the destination behind", async () => {
    const file = join(root, "corrupt.tar");
    writeFileSync(file, Buffer.alloc(700, 7));
    const dest = join(root, "corrupt-out");
    await expect(safeExtract(file, dest)).rejects.toThrow();
    expect(existsSync(dest)).toBe(false);
  });
});
