// The official conformance suite, pinned to 0.2.0-alpha.12, against stage 03,
// at revision 2025-11-25 (handshake era) and 2026-07-28 (per-request): each run
// passes only if every scenario a tools-only server can serve passes, and the
// ones it cannot (resources, prompts, …) fail exactly as expected.
import { describe, expect, it } from 'vitest';
import { PLAN, RUN_TIMEOUT_MS } from './run.ts';

describe('the MCP conformance suite', () => {
  it.each(PLAN.map((step) => [step.name, step] as const))(
    'passes: conformance %s',
    async (_name, step) => {
      const run = await step.run();
      expect(run.exitCode, run.output).toBe(0);
    },
    RUN_TIMEOUT_MS + 10_000,
  );
});
