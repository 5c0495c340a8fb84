// Fuzzing stage 03 in sessionless mode: the same properties as with sessions
// (stage-03.fixture.ts), against a server that keeps none, so every session id
// and Last-Event-ID it gets is one it never minted.
// Replay a failure with the seed and path fast-check prints:
//   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run lab/fuzz/stage-03-sessionless.test.ts -t '<test name>'
// FUZZ_RUNS=<n> changes how many requests each property sends.
import { createStreamableHttpServer } from '../../03-streamable-http/server.ts';
import { describeStage03Fuzz } from './stage-03.fixture.ts';

describeStage03Fuzz({
  name: 'stage 03 in sessionless mode',
  start: (bugs) => createStreamableHttpServer({ port: 0, sessionless: true, onError: bugs.record }),
  sessionless: true,
  runs: 150,
});
