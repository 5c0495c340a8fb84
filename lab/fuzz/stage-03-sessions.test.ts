// Fuzzing stage 03 with sessions (the handshake era, sessions in memory): hostile
// POSTs with real, mangled and garbage Mcp-Session-Id, and every method on every
// path, GETs with Last-Event-ID values above all (real ones, the same rewritten,
// ones for another session or past the end, garbage); see stage-03.fixture.ts.
// Replay a failure with the seed and path fast-check prints:
//   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run lab/fuzz/stage-03-sessions.test.ts -t '<test name>'
// FUZZ_RUNS=<n> changes how many requests each property sends.
import { createStreamableHttpServer } from '../../03-streamable-http/server.ts';
import { describeStage03Fuzz } from './stage-03.fixture.ts';

describeStage03Fuzz({
  name: 'stage 03 with sessions',
  start: (bugs) => createStreamableHttpServer({ port: 0, onError: bugs.record }),
  runs: 200,
});
