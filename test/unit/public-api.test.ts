/**
 * The public surface, on purpose: the export names of every entry point of package.json's "exports"
 * (values and types, read by the compiler) must equal the snapshot in public-api.exports.json, so
 * that any addition or removal is a visible diff in review. To accept a change, run this test with
 * UPDATE_EXPORTS=1 and review the file's diff.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { exportNames } from "../support/export-names.js";

const root = new URL("../../", import.meta.url).pathname;
const snapshotFile = new URL("./public-api.exports.json", import.meta.url);
const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as {
  exports: Record<string, string | { default: string }>;
};

/** Package specifier (`tinker-ts`, `tinker-ts/rl`, …) → the source file behind it. */
const ENTRY_POINTS: Record<string, string> = Object.fromEntries(
  Object.entries(pkg.exports)
    .filter(([key]) => key !== "./package.json")
    .map(([key, target]) => {
      const built = typeof target === "string" ? target : target.default;
      const source = `${root}${built.replace(/^\.\/dist\//, "").replace(/\.js$/, ".ts")}`;
      return [key === "." ? "tinker-ts" : `tinker-ts/${key.slice(2)}`, source];
    }),
);

describe("public API", () => {
  const names = exportNames(Object.values(ENTRY_POINTS));
  const current = Object.fromEntries(
    Object.entries(ENTRY_POINTS).map(([spec, file]) => [spec, names[file] ?? []]),
  );
  if (process.env.UPDATE_EXPORTS === "1")
    writeFileSync(snapshotFile, `${JSON.stringify(current, null, 2)}\n`);
  const snapshot = JSON.parse(readFileSync(snapshotFile, "utf8")) as Record<string, string[]>;

  it("has a snapshot for exactly the package's entry points", () => {
    expect(Object.keys(snapshot).sort()).toEqual(Object.keys(ENTRY_POINTS).sort());
  });

  for (const spec of Object.keys(ENTRY_POINTS)) {
    it(`${spec} exports exactly the snapshot's names`, () => {
      expect(current[spec]).toEqual(snapshot[spec]);
    });
  }

  it("keeps wire internals and test hooks out of the root", () => {
    const rootNames = current["tinker-ts"] ?? [];
    const leaks = rootNames.filter((n) => /^(encode|assert|parse(?!TinkerPath)|is(?!TinkerPath))/.test(n));
    expect(leaks).toEqual([]);
    for (const internal of ["ClientDeps", "FutureDeps", "Deps", "SessionHolder", "SessionHolderOptions"]) {
      expect(rootNames).not.toContain(internal);
    }
  });

  it("offers only the documented subpaths", () => {
    expect(Object.keys(pkg.exports).sort()).toEqual([
      ".",
      "./emulator",
      "./package.json",
      "./preference",
      "./renderers",
      "./rl",
      "./supervised",
    ]);
  });

  it("strips @internal members from the declarations", () => {
    const build = JSON.parse(readFileSync(`${root}tsconfig.build.json`, "utf8")) as {
      compilerOptions: { stripInternal?: boolean };
    };
    expect(build.compilerOptions.stripInternal).toBe(true);
    // When a build is there (npm test builds first), check its output too.
    const dts = `${root}dist/src/clients/service-client.d.ts`;
    if (existsSync(dts)) {
      const text = readFileSync(dts, "utf8");
      expect(text).not.toContain("holderOf");
      expect(text).not.toContain("SessionHolder");
    }
  });
});
