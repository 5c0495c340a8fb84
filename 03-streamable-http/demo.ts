/**
 * Stage 03 demo: starts the server, runs a 10-page call with a live progress
 * bar, cutting its connection after `--drop-after` progress events (3 by
 * default; 0 for none), and stops the server. `npm run 03:demo -- --drop-after 3`.
 * `--revision 2025-11-25` speaks the handshake era instead of 2026-07-28;
 * `--sessionless` runs the server without sessions; `--poll-after MS` makes it
 * close long streams' connections so the client polls.
 *
 * Teaches: the same cut in two eras. In 2025-11-25 the client resumes with
 * `Last-Event-ID` and the tool ran once; in 2026-07-28 closing the stream
 * cancelled the tool, the client sends the call again, and the tool ran twice.
 * Read next: server.ts, then client.ts.
 * @module
 */
import { parseArgs } from 'node:util';
import { printStreamableRun, runStreamableHttpClient } from './client.ts';
import { createStreamableHttpServer } from './server.ts';
import { createDemoTools } from '../shared/demo/demo-tools.ts';
import { LATEST_VERSION, isSupportedVersion } from '../shared/protocol/versions.ts';

const { values } = parseArgs({
  options: {
    'drop-after': { type: 'string', default: '3' },
    'poll-after': { type: 'string' },
    sessionless: { type: 'boolean', default: false },
    revision: { type: 'string', default: LATEST_VERSION },
  },
});
if (!isSupportedVersion(values.revision)) throw new Error(`Unknown --revision ${values.revision}`);
const protocolVersion = values.revision;
const dropAfter = Number(values['drop-after']);
// The demo tools, passed in, so the demo can print what they counted; the server keeps no counters.
const demo = createDemoTools();
const server = await createStreamableHttpServer({
  port: 0,
  tools: demo.tools,
  sessionless: values.sessionless,
  ...(values['poll-after'] === undefined ? {} : { pollAfterMs: Number(values['poll-after']) }),
});
console.log(`listening on ${server.url}${values.sessionless ? ' (sessionless)' : ''}`);
try {
  console.log(
    dropAfter > 0
      ? `\n── a 10-page search; its connection is cut after ${dropAfter} progress notifications ──`
      : '\n── a 10-page search ──',
  );
  const run = await runStreamableHttpClient({
    url: server.url,
    protocolVersion,
    display: true,
    ...(dropAfter > 0 ? { dropAfter } : {}),
  });
  printStreamableRun(run);
  // A cut the server has to notice (sessionless mode) reaches it a moment after the client saw it.
  const settled = () =>
    demo.stats.searchIssuesStarts ===
    demo.stats.searchIssuesCompleted + demo.stats.searchIssuesAborted;
  for (let waited = 0; !settled() && waited < 2_000; waited += 10)
    await new Promise((r) => setTimeout(r, 10));
  console.log(
    `on the server: search_issues started ${demo.stats.searchIssuesStarts} time(s), ` +
      `completed ${demo.stats.searchIssuesCompleted}, aborted ${demo.stats.searchIssuesAborted}`,
  );
} finally {
  await server.close();
}
