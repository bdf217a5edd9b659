import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers on fixed-free ports; keep files apart but run two at a time (2 cores).
    maxWorkers: 2,
  },
});
