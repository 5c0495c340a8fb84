/**
 * A stage's server in a process of its own, with the lab's instruments
 * attached from outside: the demo tools' counters and the process's memory,
 * answered over IPC (diagnostics.ts).
 *
 * Teaches: measuring without touching what is measured. The stages' servers
 * carry no measurement hooks: they take their tools as an option, and this
 * wrapper passes the demo tools in and keeps their counters itself, so the
 * counters stay right whichever tools a reader serves. Run with a stage
 * server's path and that stage's flags (`--sessionless`, `--poll-after MS`);
 * `PORT`, `REDIS_URL` and `SESSIONLESS=1` are read as the stage reads them, and
 * `MCP_LIMITS` (JSON) overrides the server's limits: a benchmark of 2,000 idle
 * clients from one address needs more than a production default allows.
 * Read next: server-process.ts, which starts this wrapper for a stage's server.
 * @module
 */
import { parseArgs } from 'node:util';
import { createPlainHttpServer } from '../../01-plain-http/server.ts';
import { createHttpSseServer } from '../../02-http-sse/server.ts';
import { createScaleOutServer } from '../../03-streamable-http/scale-out/server.ts';
import { createStreamableHttpServer } from '../../03-streamable-http/server.ts';
import { closeOnSignals, portFromEnv } from '../../shared/cli.ts';
import { createDemoTools } from '../../shared/demo/demo-tools.ts';
import type { Limits } from '../../shared/limits.ts';
import { answerDiagnostics } from './diagnostics.ts';

/** What the lab reads of any stage's server. */
interface MeasuredServer {
  url: string;
  readonly openSockets: number;
  readonly connections: number;
  readonly sessions?: number;
  readonly streamsFollowed?: number;
  close(): Promise<void>;
}

/** The stage servers this wrapper can start, by the path of their `server.ts`. */
const MEASURED_STAGES = [
  '01-plain-http/server.ts',
  '02-http-sse/server.ts',
  '03-streamable-http/server.ts',
  '03-streamable-http/scale-out/server.ts',
] as const;

const [script, ...args] = process.argv.slice(2);
const { values } = parseArgs({
  args,
  options: { sessionless: { type: 'boolean', default: false }, 'poll-after': { type: 'string' } },
});
const demo = createDemoTools();
const port = portFromEnv(0);
const limits = JSON.parse(process.env.MCP_LIMITS ?? '{}') as Partial<Limits>;
const pollAfter = values['poll-after'];

const start: Record<(typeof MEASURED_STAGES)[number], () => Promise<MeasuredServer>> = {
  '01-plain-http/server.ts': () => createPlainHttpServer({ port, tools: demo.tools, limits }),
  '02-http-sse/server.ts': () => createHttpSseServer({ port, tools: demo.tools, limits }),
  '03-streamable-http/server.ts': () =>
    createStreamableHttpServer({
      port,
      tools: demo.tools,
      limits,
      sessionless: values.sessionless || process.env.SESSIONLESS === '1',
      ...(pollAfter === undefined ? {} : { pollAfterMs: Number(pollAfter) }),
    }),
  '03-streamable-http/scale-out/server.ts': () => {
    const redisUrl = process.env.REDIS_URL;
    if (!redisUrl) throw new Error('REDIS_URL is required for the scale-out server');
    return createScaleOutServer({ port, tools: demo.tools, redisUrl, limits });
  },
};

if (!MEASURED_STAGES.includes(script as (typeof MEASURED_STAGES)[number])) {
  throw new Error(`Not a stage server: ${script}; one of ${MEASURED_STAGES.join(', ')}`);
}
const server = await start[script as (typeof MEASURED_STAGES)[number]]();
console.log(`listening on ${server.url}`);
closeOnSignals(() => server.close());
answerDiagnostics(() => ({
  sessions: server.sessions ?? 0,
  openSockets: server.openSockets,
  connections: server.connections,
  streamsFollowed: server.streamsFollowed ?? 0,
  ...demo.stats,
}));
