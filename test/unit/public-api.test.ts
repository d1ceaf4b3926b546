/**
 * The public surface, on purpose: the export names of `tinker-ts` and `tinker-ts/emulator` (values
 * and types, read by the compiler) must equal the snapshot in public-api.exports.json, so that any
 * addition or removal is a visible diff in review. To accept a change, update that file.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { exportNames } from "../support/export-names.js";

const root = new URL("../../", import.meta.url).pathname;
const snapshot = JSON.parse(readFileSync(new URL("./public-api.exports.json", import.meta.url), "utf8")) as {
  "tinker-ts": string[];
  "tinker-ts/emulator": string[];
};
const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { exports: Record<string, unknown> };

describe("public API", () => {
  const names = exportNames([`${root}src/index.ts`, `${root}src/emulator/index.ts`]);

  it("tinker-ts exports exactly the snapshot's names", () => {
    expect(names[`${root}src/index.ts`]).toEqual(snapshot["tinker-ts"]);
  });

  it("tinker-ts/emulator exports exactly the snapshot's names", () => {
    expect(names[`${root}src/emulator/index.ts`]).toEqual(snapshot["tinker-ts/emulator"]);
  });

  it("keeps wire internals and test hooks out of the root", () => {
    const rootNames = names[`${root}src/index.ts`] ?? [];
    const leaks = rootNames.filter((n) => /^(encode|assert|parse(?!TinkerPath)|is(?!TinkerPath))/.test(n));
    expect(leaks).toEqual([]);
    for (const internal of ["ClientDeps", "FutureDeps", "Deps", "SessionHolder", "SessionHolderOptions"]) {
      expect(rootNames).not.toContain(internal);
    }
  });

  it("offers no subpath besides the root and the emulator", () => {
    expect(Object.keys(pkg.exports).sort()).toEqual([".", "./emulator", "./package.json"]);
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
