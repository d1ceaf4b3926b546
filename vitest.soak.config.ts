import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/reliability/**/*.soak.test.ts"],
    testTimeout: 600_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
