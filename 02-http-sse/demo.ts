/**
 * Stage 02 demo: starts the server, runs one call with a live progress bar,
 * then the same call with the stream cut after 3 progress notifications, and
 * stops the server. `npm run 02:demo`.
 *
 * Teaches: what the stream gives (progress as it happens) and what losing it
 * costs (the result, and the session with it).
 * Read next: server.ts, then client.ts.
 * @module
 */
import { printSseRun, runHttpSseClient } from './client.ts';
import { createHttpSseServer } from './server.ts';
import { createDemoTools } from '../shared/demo/demo-tools.ts';

// The demo tools, passed in, so the demo can print what they counted; the server keeps no counters.
const demo = createDemoTools();
const server = await createHttpSseServer({ port: 0, tools: demo.tools });
console.log(`listening on ${server.url}`);
try {
  console.log('\n── a 10-page search, with progress on the stream ──');
  printSseRun(await runHttpSseClient({ url: server.url, display: true }));

  console.log('\n── the same search, with the stream cut after 3 progress notifications ──');
  const cut = await runHttpSseClient({ url: server.url, dropAfter: 3, display: true });
  printSseRun(cut);
  // The server learns of the cut when its socket closes, a moment after the client closed it.
  for (let waited = 0; server.sessions > 0 && waited < 2_000; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const lost = await fetch(new URL(`/message?sessionId=${cut.sessionId}`, server.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'ping' }),
  });
  console.log(
    `a POST to the old session now gets HTTP ${lost.status}: the session ended with its stream`,
  );
  console.log(
    `on the server: search_issues started ${demo.stats.searchIssuesStarts} times, ` +
      `completed ${demo.stats.searchIssuesCompleted}, aborted ${demo.stats.searchIssuesAborted}`,
  );
} finally {
  await server.close();
}
