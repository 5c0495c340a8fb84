/**
 * Stage 01 demo: starts the server, runs the client twice (with keep-alive,
 * then without), and stops the server. `npm run 01:demo`.
 *
 * Teaches: the two costs of plain HTTP side by side: no progress while the
 * tool runs, and, without keep-alive, a TCP connection for every message.
 * Read next: server.ts, then client.ts.
 * @module
 */
import { printRun, runPlainHttpClient } from './client.ts';
import { createPlainHttpServer } from './server.ts';

const server = await createPlainHttpServer({ port: 0 });
console.log(`listening on ${server.url}`);
try {
  for (const keepAlive of [true, false]) {
    console.log(`\n── client, ${keepAlive ? 'with' : 'without'} keep-alive ──`);
    const before = server.connections;
    const run = await runPlainHttpClient({ url: server.url, keepAlive, pages: 10, spinner: true });
    printRun(run, keepAlive);
    console.log(`the server accepted ${server.connections - before} connection(s) for this run`);
  }
} finally {
  await server.close();
}
