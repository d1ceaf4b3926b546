import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/reliability/**/*.soak.test.ts", "node_modules/**"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      reporter: ["text-summary", "json-summary"],
      // Just under what the suite reaches (lines ~90 %), so a drop in coverage fails CI.
      thresholds: {
        lines: 88,
        statements: 86,
        "src/lib/metrics.ts": { lines: 100 },
        "src/types/**/*.ts": { lines: 90 },
      },
    },
  },
});
