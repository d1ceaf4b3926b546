/**
 * Arrows only point down the layer table (docs/architecture.md): every import statement of src/**
 * is read, and an import of a folder of the same or a higher rank (other than one's own folder)
 * fails the test. A new folder must be given its row here and in the doc.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = new URL("../../src/", import.meta.url).pathname;

/** The layer table, bottom (0) to top. A folder may import only folders of a lower rank. */
const LAYERS: Readonly<Record<string, number>> = {
  errors: 0,
  "version.ts": 0,
  types: 1,
  lib: 2,
  tokenizer: 2,
  // A second protocol generation's codec (protobuf, zstd) sits beside the JSON codec of types.
  protocol: 2,
  wire: 2,
  core: 3,
  // The emulator shares wire types and pure logic with the SDK, never its transport or clients.
  emulator: 3,
  telemetry: 4,
  futures: 5,
  clients: 6,
  // The cookbook layer, built on the clients' public API.
  renderers: 7,
  supervised: 8,
  rl: 8,
  // DPO reuses the RL layer's run log and metrics.
  preference: 9,
  cli: 10,
  "index.ts": 11,
};

/** The top-level entry of src/ a path belongs to (a folder, or a file directly in src/). */
function layerOf(absPath: string): string {
  // Specifiers name the emitted .js file; the source is the .ts beside it.
  return (relative(SRC, absPath).split(/[\\/]/)[0] as string).replace(/\.js$/, ".ts");
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']/g;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** The relative module specifiers a source file imports or re-exports (static and dynamic). */
function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const re of [IMPORT, DYNAMIC]) {
    for (const m of source.matchAll(re)) if (m[1]?.startsWith(".")) out.push(m[1]);
  }
  return out;
}

/** Every upward (or sideways) import of `file` given its text, as "from → to" lines. */
function violations(file: string, source: string): string[] {
  const from = layerOf(file);
  const rank = LAYERS[from];
  if (rank === undefined) return [`${relative(SRC, file)}: folder "${from}" has no row in the layer table`];
  const out: string[] = [];
  for (const spec of importsOf(source)) {
    const target = layerOf(resolve(dirname(file), spec));
    if (target === from) continue;
    const targetRank = LAYERS[target];
    if (targetRank === undefined || targetRank >= rank) {
      out.push(
        `${relative(SRC, file)} (${from}, rank ${rank}) imports ${spec} (${target}, rank ${targetRank})`,
      );
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith(".ts") ? [p] : [];
  });
}

describe("layer table", () => {
  it("no import in src/ runs upward or sideways across the table", () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((f) => violations(f, readFileSync(f, "utf8")));
    expect(found).toEqual([]);
  });

  it("the checker sees every form of import", () => {
    const file = join(SRC, "types", "x.ts");
    const text = [
      'import { a } from "../clients/a.js";',
      'import type { B } from "../core/b.js";',
      'export { c } from "../futures/c.js";',
      'export * from "../telemetry/d.js";',
      'import "../cli/e.js";',
      'const f = await import("../lib/f.js");',
      'import { ok } from "../errors/index.js";',
      'import { same } from "./y.js";',
      'import { dep } from "undici";',
    ].join("\n");
    expect(violations(file, text).map((v) => v.split(" imports ")[1]?.split(" ")[0])).toEqual([
      "../clients/a.js",
      "../core/b.js",
      "../futures/c.js",
      "../telemetry/d.js",
      "../cli/e.js",
      "../lib/f.js",
    ]);
  });

  it("a folder without a row fails", () => {
    expect(violations(join(SRC, "newthing", "a.ts"), "")).toHaveLength(1);
  });
});
