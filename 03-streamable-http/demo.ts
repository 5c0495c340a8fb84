/**
 * Stage 03 demo: starts the server, runs a 10-page call with a live progress
 * bar, cutting its connection after `--drop-after` progress events (3 by
 * default; 0 for none), and stops the server. `npm run 03:demo -- --drop-after 3`.
 * `--stateless` runs the server without sessions; `--poll-after MS` makes it
 * close long streams' connections so the client polls.
 *
 * Teaches: a cut connection is not a lost result. The client resumes with
 * `Last-Event-ID`, gets what it missed, and the tool ran once.
 * @module
 */
import { parseArgs } from 'node:util';
import { printStreamableRun, runStreamableHttpClient } from './client.ts';
import { createStreamableHttpServer } from './server.ts';

const { values } = parseArgs({
  options: {
    'drop-after': { type: 'string', default: '3' },
    'poll-after': { type: 'string' },
    stateless: { type: 'boolean', default: false },
  },
});
const dropAfter = Number(values['drop-after']);
const server = await createStreamableHttpServer({
  port: 0,
  stateless: values.stateless,
  ...(values['poll-after'] === undefined ? {} : { pollAfterMs: Number(values['poll-after']) }),
});
console.log(`listening on ${server.url}${values.stateless ? ' (stateless)' : ''}`);
try {
  console.log(
    dropAfter > 0
      ? `\n── a 10-page search; its connection is cut after ${dropAfter} progress notifications ──`
      : '\n── a 10-page search ──',
  );
  const run = await runStreamableHttpClient({
    url: server.url,
    display: true,
    ...(dropAfter > 0 ? { dropAfter } : {}),
  });
  printStreamableRun(run);
  // A cut the server has to notice (stateless mode) reaches it a moment after the client saw it.
  const settled = () =>
    server.stats.searchIssuesStarts ===
    server.stats.searchIssuesCompleted + server.stats.searchIssuesAborted;
  for (let waited = 0; !settled() && waited < 2_000; waited += 10)
    await new Promise((r) => setTimeout(r, 10));
  console.log(
    `on the server: search_issues started ${server.stats.searchIssuesStarts} time(s), ` +
      `completed ${server.stats.searchIssuesCompleted}, aborted ${server.stats.searchIssuesAborted}`,
  );
} finally {
  await server.close();
}
