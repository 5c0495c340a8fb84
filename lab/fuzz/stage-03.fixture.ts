/**
 * The fuzz properties of stage 03's handshake era, for any server that speaks
 * it: the in-memory server with sessions, the sessionless one, the one on
 * Redis. Each test file starts its server and hands it here.
 *
 * Teaches: how to fuzz a stateful endpoint without the fuzzer's own requests
 * wrecking the state it needs. The test opens sessions (2025-11-25,
 * 2025-03-26, 2025-06-18) and has each answer a call with a stream, so it
 * knows real session ids and real event ids; the generated requests refer to
 * them ({@link SessionRef}, {@link EventRef}) and are resolved at send time. A
 * DELETE that ends one of them is followed by a fresh one, and a session an
 * `initialize` opened is deleted again, so that a run never piles up sessions
 * the per-client limit would refuse.
 * Read next: ../../03-streamable-http/handshake-era.ts, the code under test;
 * stage-03-sessions.test.ts and stage-03-redis.test.ts, which use this.
 * @module
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetaKey } from '../../shared/protocol/versions.ts';
import { hostileRequest, type HostileRequest, type SessionRef, type World } from './hostile.ts';
import {
  ACCEPT_BOTH,
  BugLog,
  FUZZ_TEST_TIMEOUT_MS,
  fuzzParameters,
  headerOf,
  initializeRequest,
  probe,
  toolsList2026,
  type ReadMode,
} from './oracle.ts';

/** A running stage 03 server, however it stores its sessions. */
export interface FuzzTarget {
  /** The MCP endpoint. */
  url: string;
  /** Stops it. */
  close(): Promise<void>;
}

/** One session the test opened, and the event ids the server sent on it. */
interface PoolSession {
  id: string;
  revision: string;
  issued: string[];
}

/** The revisions of the test's sessions: the three handshake-era revisions with sessions. */
const REVISIONS = ['2025-11-25', '2025-03-26', '2025-06-18'];

/** The sessions a file's requests refer to, kept open (and replaced when a request ends one). */
class SessionPool {
  readonly #url: string;
  readonly sessions: PoolSession[] = [];
  #nextId = 1;

  constructor(url: string) {
    this.#url = url;
  }

  async fill(): Promise<void> {
    for (const revision of REVISIONS) this.sessions.push(await this.#open(revision));
  }

  get world(): World {
    return {
      origin: new URL(this.#url).origin,
      sessions: this.sessions.map((session) => session.id),
      issued: new Map(this.sessions.map((session) => [session.id, session.issued])),
    };
  }

  find(id: string | undefined): PoolSession | undefined {
    return this.sessions.find((session) => session.id === id);
  }

  /** Replaces a session a request ended. */
  async replace(session: PoolSession): Promise<void> {
    this.sessions[this.sessions.indexOf(session)] = await this.#open(session.revision);
  }

  /** Initializes a session and has it answer a call with a stream, recording the event ids. */
  async #open(revision: string): Promise<PoolSession> {
    const initialized = await fetch(this.#url, initializeRequest(this.#nextId++, revision));
    expect(initialized.status).toBe(200);
    const id = initialized.headers.get('mcp-session-id');
    if (!id) throw new Error('initialize opened no session');
    const headers = {
      'Content-Type': 'application/json',
      Accept: ACCEPT_BOTH,
      'Mcp-Session-Id': id,
      'MCP-Protocol-Version': revision,
    };
    await fetch(this.#url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    const called = await fetch(this.#url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: this.#nextId++,
        method: 'tools/call',
        params: {
          name: 'search_issues',
          arguments: { query: 'stream', pages: 2, delayMs: 0 },
          _meta: { progressToken: 'fuzz' },
        },
      }),
    });
    expect(called.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (event) => events.push(event) });
    parser.feed(await called.text());
    const issued = events.flatMap((event) => (event.id === undefined ? [] : [event.id]));
    expect(issued.length).toBeGreaterThan(0);
    return { id, revision, issued };
  }
}

/** Options for {@link describeStage03Fuzz}. */
export interface Stage03FuzzOptions {
  /** What the describe block is called: which server it fuzzes. */
  name: string;
  /** Starts the server, with `onError` wired to `bugs`. */
  start(bugs: BugLog): Promise<FuzzTarget>;
  /** The server keeps no sessions. */
  sessionless?: boolean;
  /** Runs per property (before `FUZZ_RUNS`). */
  runs: number;
}

/**
 * Registers the handshake era's fuzz properties for one stage 03 server:
 * hostile POSTs, every method on every path (GETs with `Last-Event-ID`
 * above all), and the checks after the run.
 *
 * @example
 * ```ts
 * describeStage03Fuzz({
 *   name: 'stage 03 with sessions',
 *   start: (bugs) => createStreamableHttpServer({ port: 0, onError: bugs.record }),
 *   runs: 150,
 * });
 * ```
 */
export function describeStage03Fuzz(options: Stage03FuzzOptions): void {
  const { name, sessionless = false, runs } = options;
  const bugs = new BugLog();
  let target: FuzzTarget;
  let pool: SessionPool;

  /** Sends one request, judges it, and repairs what it did to the pool. */
  async function run(request: HostileRequest, read: ReadMode): Promise<void> {
    const world = pool.world;
    const named = sessionNamed(request, world);
    const { resolved, answer } = await probe(
      world,
      request,
      bugs,
      {
        answersInline: true,
        sessionRevision: pool.find(named)?.revision,
        issued: world.issued,
      },
      read,
    );
    // An initialize the fuzzer sent opened a session: end it, as a client that is done would.
    const opened = answer.headers['mcp-session-id'];
    if (opened !== undefined && pool.find(opened) === undefined) {
      await fetch(target.url, { method: 'DELETE', headers: { 'Mcp-Session-Id': opened } });
    }
    const ended = pool.find(headerOf(resolved, 'mcp-session-id'));
    if (resolved.method === 'DELETE' && answer.status === 204 && ended) await pool.replace(ended);
  }

  describe(name, () => {
    beforeAll(async () => {
      target = await options.start(bugs);
      pool = new SessionPool(target.url);
      if (!sessionless) await pool.fill();
    });
    afterAll(() => target.close());

    it(
      `every hostile POST to ${name} gets a JSON-RPC answer (JSON or a stream) or a JSON-RPC error (4xx), never a 5xx, a hang or a call to onError`,
      async () => {
        await fc.assert(
          fc.asyncProperty(
            hostileRequest({ methods: ['POST'], paths: ['/mcp'], sessionHeader: true }),
            (request) => run(request, 'to-end'),
          ),
          fuzzParameters(runs),
        );
      },
      FUZZ_TEST_TIMEOUT_MS,
    );

    it(
      `every method on every path of ${name} gets an answer or a JSON-RPC error, and a Last-Event-ID the server never sent that session resumes nothing`,
      async () => {
        await fc.assert(
          fc.asyncProperty(
            hostileRequest({
              methods: ['GET', 'DELETE', 'POST', 'PUT', 'OPTIONS', 'PATCH', 'PURGE'],
              paths: ['/mcp', '/mcp/', '/MCP', '/mcp?x=1', '/', '/sse', '/message', '/nope'],
              sessionHeader: true,
              lastEventId: true,
            }),
            (request) => run(request, request.method === 'GET' ? 'headers' : 'to-end'),
          ),
          fuzzParameters(runs),
        );
      },
      FUZZ_TEST_TIMEOUT_MS,
    );

    it(`still serves its sessions, a new initialize and a 2026 tools/list after the hostile requests, and never called onError`, async () => {
      for (const session of pool.sessions) {
        const listed = await fetch(target.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Accept: ACCEPT_BOTH,
            'Mcp-Session-Id': session.id,
            'MCP-Protocol-Version': session.revision,
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 'after', method: 'tools/list' }),
        });
        expect(listed.status, `session ${session.revision}`).toBe(200);
      }
      const initialized = await fetch(target.url, initializeRequest(1));
      expect(initialized.status).toBe(200);
      expect(await initialized.json()).toMatchObject({
        id: 1,
        result: { protocolVersion: '2025-11-25' },
      });
      expect(initialized.headers.has('mcp-session-id')).toBe(!sessionless);
      const listed = await fetch(target.url, toolsList2026(2));
      expect(listed.status).toBe(200);
      expect(await listed.json()).toMatchObject({
        id: 2,
        result: { _meta: { [MetaKey.serverInfo]: expect.anything() as unknown } },
      });
      bugs.expectNoneSince(0);
    });
  });
}

/** The session id a request will send, if it names one of the pool's (and so its revision is known). */
function sessionNamed(request: HostileRequest, world: World): string | undefined {
  const ref: SessionRef | undefined = request.session;
  if (ref?.kind !== 'valid' || world.sessions.length === 0) return undefined;
  return world.sessions[ref.which % world.sessions.length];
}
