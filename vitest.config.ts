// Test runner settings. The JSON report is what a run is counted from: .ci/run
// gives each of its runs (one per Node version) its own report file, and sums
// them into its closing "N passed, N failed" line.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', '0*/**/*.test.ts', 'lab/**/*.test.ts', 'docs/**/*.test.ts'],
    // verbose: every test name is a behaviour the course claims, and measured figures (annotations) are shown.
    reporters: ['verbose', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    // Integration tests start real servers on loopback; a hung socket must fail, not stall CI.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // expect.poll waits for a state the server must reach (a tool aborted, a counter settled);
    // its default 1 s is a clock deciding the outcome on a busy machine. 15 s only bounds a hang.
    expect: { poll: { timeout: 15_000 } },
  },
});
