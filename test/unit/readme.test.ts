/** The README's tour is `examples/tour.ts` verbatim, so the snippet users copy is type-checked and run. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

describe("README", () => {
  it("embeds examples/tour.ts unchanged", () => {
    const readme = read("README.md");
    const start = readme.indexOf("## A tour");
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
    expect(block?.[1]).toBe(read("examples/tour.ts"));
  });

  it("gives the two quick-start commands", () => {
    const readme = read("README.md");
    expect(readme).toContain("npm ci && npm run demo");
    expect(readme).toMatch(/\nnpm test\s/);
    const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
    expect(pkg.scripts.demo).toBe("tsx examples/demo.ts");
  });
});
