/**
 * What `npm run bench` measures: the raw-HTTP limit, plain express, the
 * course's stages, and the official SDKs, each a server script run as its own
 * process, each answering `tools/call echo`.
 * Read next: servers/serve.ts, which every bench server uses; then load.ts.
 * @module
 */

/** How a caller talks to a target. */
export type Protocol =
  /** No session: every POST stands alone (handshake-era wire, version in the header). */
  | 'sessionless'
  /** `initialize` first, then `Mcp-Session-Id` on every request. */
  | 'session'
  /** Revision 2026-07-28: `_meta` and the request metadata headers on every request. */
  | '2026'
  /** The 2024-11-05 HTTP+SSE transport: answers arrive on the GET stream. */
  | 'sse-transport';

/** One server to measure. */
export interface Target {
  id: string;
  title: string;
  /** The server script, run with `node --import tsx`, `PORT=0`. */
  script: string;
  args?: string[];
  env?: Record<string, string>;
  protocol: Protocol;
  /** Ask for progress, so a server that chooses per request answers with an SSE stream. */
  sseAnswer?: boolean;
  /** The server offers the demo tools, so the time to the first progress can be measured. */
  carriesProgress?: boolean;
  /** Sessions and events in a private `redis-server` (`REDIS_URL`); skipped where none is installed. */
  redis?: boolean;
}

/** The page delay of the progress measure: the first progress should come about one page in. */
export const PROGRESS_PAGE_MS = 50;

/** The baseline every ratio is taken against. */
export const LIMIT_ID = 'raw-http';

/** Every target, in the table's order. */
export const TARGETS: readonly Target[] = [
  {
    id: LIMIT_ID,
    title: 'raw node:http (the limit)',
    script: 'lab/bench/servers/raw-http.ts',
    protocol: 'sessionless',
  },
  {
    id: 'express',
    title: 'express 5 + express.json()',
    script: 'lab/bench/servers/express-json.ts',
    protocol: 'sessionless',
  },
  {
    id: '01',
    title: 'stage 01 plain HTTP',
    script: '01-plain-http/server.ts',
    protocol: 'sessionless',
  },
  {
    id: '02',
    title: 'stage 02 HTTP+SSE',
    script: '02-http-sse/server.ts',
    protocol: 'sse-transport',
    carriesProgress: true,
  },
  {
    id: '03-json',
    title: 'stage 03 sessions, JSON answer',
    script: '03-streamable-http/server.ts',
    protocol: 'session',
    carriesProgress: true,
  },
  {
    id: '03-sse',
    title: 'stage 03 sessions, SSE answer',
    script: '03-streamable-http/server.ts',
    protocol: 'session',
    sseAnswer: true,
  },
  {
    id: '03-redis-sse',
    title: 'stage 03 sessions on Redis, SSE answer',
    script: '03-streamable-http/scale-out/server.ts',
    protocol: 'session',
    sseAnswer: true,
    redis: true,
  },
  {
    id: '03-sessionless-json',
    title: 'stage 03 sessionless, JSON answer',
    script: '03-streamable-http/server.ts',
    args: ['--sessionless'],
    protocol: 'sessionless',
    carriesProgress: true,
  },
  {
    id: '03-sessionless-sse',
    title: 'stage 03 sessionless, SSE answer',
    script: '03-streamable-http/server.ts',
    args: ['--sessionless'],
    protocol: 'sessionless',
    sseAnswer: true,
  },
  {
    id: '03-2026',
    title: 'stage 03 2026-07-28',
    script: '03-streamable-http/server.ts',
    protocol: '2026',
    carriesProgress: true,
  },
  {
    id: 'sdk1-sessionless',
    title: 'SDK v1 sessionless',
    script: 'lab/bench/servers/sdk-v1-sessionless.ts',
    protocol: 'sessionless',
  },
  {
    id: 'sdk1-json',
    title: 'SDK v1 stateful, JSON',
    script: 'lab/bench/servers/sdk-v1-stateful-json.ts',
    protocol: 'session',
  },
  {
    id: 'sdk1-sse',
    title: 'SDK v1 stateful, SSE',
    script: 'lab/bench/servers/sdk-v1-stateful-sse.ts',
    protocol: 'session',
  },
  {
    id: 'sdk1-sse-transport',
    title: 'SDK v1 HTTP+SSE',
    script: 'lab/bench/servers/sdk-v1-sse.ts',
    protocol: 'sse-transport',
  },
  {
    id: 'sdk2-2026',
    title: 'SDK v2 2026-07-28',
    script: 'lab/bench/servers/sdk-v2-2026.ts',
    protocol: '2026',
  },
  {
    id: 'sdk2-handshake',
    title: 'SDK v2 handshake era',
    script: 'lab/bench/servers/sdk-v2-handshake.ts',
    protocol: 'session',
  },
];
