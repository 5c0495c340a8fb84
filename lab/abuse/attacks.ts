/**
 * The attacks of the abuse run: each one a thing a single client can do to a
 * course server with nothing but valid-looking HTTP, bounded in count and
 * time, against 127.0.0.1 only.
 *
 * Teaches: where a transport server's resources go when a client, not the
 * server, decides. Sessions, their handshake state, the answers kept for a
 * resume, streams, buffers for a reader that stopped reading, work for a
 * client that hung up, and the parser's stack: each attack aims at one, and
 * each maps to a limit in ../../shared/limits.ts that should stop it.
 * Read next: stages.ts, the wire the attacks use; run.ts, which measures them.
 * @module
 */
import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerProcess } from '../deploy/server-process.ts';
import {
  initializeBody,
  openSession,
  openSseSession,
  post,
  postHeaders,
  rawPost,
  RawConnection,
  requestHead,
  toolCall,
  type Reply,
  type Stage,
} from './stages.ts';

/** What an attack gets to work with. */
export interface AttackContext {
  stage: Stage;
  /** The stage's URL: `/mcp`, or `/sse` for stage 02. */
  url: string;
  server: ServerProcess;
  /** Small counts, for trying the run. */
  quick: boolean;
}

/** What an attack leaves behind until the run has measured the server. */
export interface AttackOutcome {
  /** What the attacker did and saw, for the table. */
  note: string;
  /** Closes whatever the attack holds open (streams, paused sockets). */
  release(): void;
}

/** One attack. */
export interface Attack {
  /** A short name, for the table and the progress line. */
  id: string;
  /** The limit of ../../shared/limits.ts that should stop it. */
  limit: string;
  /** Whether it means anything against this stage (no GET streams without sessions, for one). */
  appliesTo(stage: Stage): boolean;
  run(context: AttackContext): Promise<AttackOutcome>;
}

/** No attack runs longer than this, whatever its count: the run as a whole must stay short. */
const ATTACK_DEADLINE_MS = 20_000;

/** Counts outcomes by name (`200`, `ECONNRESET`, `timeout`), for the note. */
class Tally {
  readonly #counts = new Map<string, number>();
  add(outcome: string | number): void {
    const key = String(outcome);
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }
  reply(work: Promise<Reply>): Promise<Reply | undefined> {
    return work.then(
      (reply) => {
        this.add(reply.status);
        return reply;
      },
      (error: Error) => {
        this.add(error.message);
        return undefined;
      },
    );
  }
  /** `200×19990, ECONNRESET×10`, or `none`. */
  text(): string {
    return [...this.#counts].map(([key, count]) => `${key}×${count}`).join(', ') || 'none';
  }
}

/**
 * Runs `task(0)` to `task(count - 1)`, `concurrency` at a time, and stops
 * starting new ones at the deadline; resolves with how many it started.
 */
async function pool(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<unknown>,
): Promise<number> {
  const deadline = Date.now() + ATTACK_DEADLINE_MS;
  let next = 0;
  const worker = async () => {
    while (next < count && Date.now() < deadline) {
      const index = next;
      next += 1;
      await task(index).catch(() => {});
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return next;
}

/** A keep-alive agent: an attacker reuses connections, so its requests cost the server no handshakes. */
function attackerAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets });
}

/**
 * A `tools/call` of `echo` whose arguments hold `[[[…]]]`, `depth` levels
 * deep: 2 bytes a level, so 100,000 levels fit in a 1 MiB body. Written as
 * text, since `JSON.stringify` itself overflows the stack on it.
 */
function deeplyNestedCall(depth: number): string {
  const body = toolCall(100, 'echo', { text: 'deep', extra: 'DEEP' });
  return body.replace('"DEEP"', '['.repeat(depth) + ']'.repeat(depth));
}

/**
 * A client of one session of the stage, whatever its kind: `post` sends a
 * message in it (to `/mcp` with the session id, or to stage 02's message URL,
 * where the answer arrives on the stream, which this reads and counts).
 */
interface AttackSession {
  post(body: string, agent?: Agent): Promise<Reply>;
  /** Answers read so far on stage 02's stream (0 elsewhere: they come back on the POST). */
  readonly answers: number;
  /** Of those, the errors. */
  readonly errors: number;
  /** Stage 02's stream, for a slow reader to pause. */
  stream?: RawConnection;
  /** The `Mcp-Session-Id` (stage 03 with sessions). */
  sessionId?: string;
  close(): void;
}

async function openAttackSession(
  context: AttackContext,
  options: { capabilities?: object; version?: string } = {},
): Promise<AttackSession> {
  const { stage, url } = context;
  if (stage.kind === 'sse') {
    let answers = 0;
    let errors = 0;
    const { stream, messageUrl } = await openSseSession(url, (chunk) => {
      for (const match of chunk.matchAll(/data: \{"jsonrpc":"2\.0","id":\d+,"(result|error)"/g)) {
        answers += 1;
        if (match[1] === 'error') errors += 1;
      }
    });
    const headers = { 'content-type': 'application/json' };
    const session: AttackSession = {
      post: (body, agent) => post(messageUrl, body, headers, { agent }),
      get answers() {
        return answers;
      },
      get errors() {
        return errors;
      },
      stream,
      close: () => stream.destroy(),
    };
    await session.post(initializeBody(options.capabilities, options.version));
    return session;
  }
  const sessionId =
    stage.kind === 'sessions'
      ? await openSession(url, { capabilities: options.capabilities, version: options.version })
      : undefined;
  const headers = postHeaders(sessionId, options.version);
  return {
    post: (body, agent) => post(url, body, headers, { agent }),
    answers: 0,
    errors: 0,
    sessionId,
    close: () => {},
  };
}

/** Waits until stage 02's streams have carried `expected` answers, or a few seconds passed. */
async function answersArrive(sessions: AttackSession[], expected: number): Promise<number> {
  const deadline = Date.now() + 5_000;
  const total = () => sessions.reduce((sum, session) => sum + session.answers, 0);
  while (total() < expected && Date.now() < deadline) await sleep(50);
  return total();
}

function closeAll(holders: ReadonlyArray<{ close?(): void; destroy?(): void }>): void {
  for (const holder of holders) {
    holder.close?.();
    holder.destroy?.();
  }
}

/** A size for the notes: KB below a megabyte, MB above. */
const mb = (bytes: number) =>
  bytes < 1024 * 1024
    ? `${(bytes / 1024).toFixed(0)} KB`
    : `${(bytes / 1024 / 1024).toFixed(0)} MB`;

// ── The attacks ─────────────────────────────────────────────────────────────

/** Sessions whose `initialize` carries 900 KB of capabilities: what a session keeps of its handshake. */
const hugeCapabilities: Attack = {
  id: 'huge initialize capabilities',
  limit: 'maxSessionStateBytes',
  appliesTo: () => true,
  async run(context) {
    const count = context.quick ? 20 : 300;
    const capabilities = { experimental: { padding: { blob: 'x'.repeat(900 * 1024) } } };
    const tally = new Tally();
    const held: AttackSession[] = [];
    const agent = attackerAgent(4);
    if (context.stage.kind === 'sse') {
      // A stage 02 session is its stream: open one per initialize, and keep it.
      await pool(count, 4, async () => {
        const session = await openAttackSession(context).catch((error: Error) => {
          tally.add(error.message);
          return undefined;
        });
        if (!session) return;
        held.push(session);
        await tally.reply(session.post(initializeBody(capabilities), agent));
      });
    } else {
      const headers = postHeaders();
      delete headers['mcp-protocol-version'];
      await pool(count, 4, () =>
        tally.reply(post(context.url, initializeBody(capabilities), headers, { agent })),
      );
    }
    agent.destroy();
    return {
      note: `${count} initialize of 900 KB each (${mb(count * 900 * 1024)} in all): ${tally.text()}`,
      release: () => closeAll(held),
    };
  },
};

/** 20,000 `initialize`s from one client: the session table. */
const manySessions: Attack = {
  id: 'many sessions',
  limit: 'maxSessionsPerClient',
  appliesTo: (stage) => stage.kind !== 'sse', // stage 02's sessions are its streams: see manyStreams
  async run(context) {
    const count = context.quick ? 1_000 : 20_000;
    const tally = new Tally();
    const agent = attackerAgent(16);
    const headers = postHeaders();
    delete headers['mcp-protocol-version'];
    const sent = await pool(count, 16, () =>
      tally.reply(post(context.url, initializeBody(), headers, { agent })),
    );
    agent.destroy();
    return { note: `${sent} initialize: ${tally.text()}`, release: () => {} };
  },
};

/** Large `echo` calls with a progress token in 4 sessions: the answers kept for a resume. */
const largeEchoes: Attack = {
  id: 'large echoes, kept for resumption',
  limit: 'maxRetainedBytesPerSession, maxFinishedStreamsPerSession',
  appliesTo: () => true,
  async run(context) {
    const count = context.quick ? 40 : 500;
    const text = 'y'.repeat(200 * 1024);
    const tally = new Tally();
    const sessions = await Promise.all(Array.from({ length: 4 }, () => openAttackSession(context)));
    const agent = attackerAgent(8);
    await pool(count, 8, (index) =>
      tally.reply(
        sessions[index % sessions.length]!.post(
          toolCall(100 + index, 'echo', { text }, true),
          agent,
        ),
      ),
    );
    agent.destroy();
    const answered =
      context.stage.kind === 'sse' ? `, ${await answersArrive(sessions, count)} answers read` : '';
    return {
      note: `${count} echo of 200 KB with a progress token, 4 sessions (${mb(count * 200 * 1024)}): ${tally.text()}${answered}`,
      release: () => closeAll(sessions),
    };
  },
};

/** Many streams from one client: `GET /sse` (stage 02), or a GET stream per session (stage 03). */
const manyStreams: Attack = {
  id: 'many streams',
  limit: 'maxStreamsPerClient',
  appliesTo: (stage) => stage.kind === 'sse' || stage.kind === 'sessions',
  async run(context) {
    const count = context.quick ? 200 : 2_000;
    const tally = new Tally();
    const held: RawConnection[] = [];
    const agent = attackerAgent(8);
    await pool(count, 32, async () => {
      try {
        let stream: RawConnection;
        if (context.stage.kind === 'sse') {
          stream = (await openSseSession(context.url)).stream;
        } else {
          // One GET stream per session: a second GET on a session replaces its first.
          const sessionId = await openSession(context.url, { agent });
          stream = await RawConnection.open(
            context.url,
            requestHead('GET', context.url, {
              accept: 'text/event-stream',
              ...postHeaders(sessionId),
            }),
          );
        }
        held.push(stream);
        const status = await stream.waitFor(/^HTTP\/1\.1 (\d+)/);
        tally.add(status?.[1] ?? (stream.closed ? 'closed' : 'no answer'));
      } catch (error) {
        tally.add((error as Error).message);
      }
    });
    agent.destroy();
    return {
      note:
        context.stage.kind === 'sse'
          ? `${count} streams held open: ${tally.text()}`
          : `${count} sessions, a GET stream held open on each: ${tally.text()}`,
      release: () => closeAll(held),
    };
  },
};

/**
 * Readers that stop reading. Stage 02: paused `/sse` streams, and large
 * answers sent to them. Elsewhere: each paused socket asks for a large answer
 * (a 200 KB `echo`) or a long one (a 100-page `search_issues` of every issue,
 * with progress), and never reads it.
 */
const slowReaders: Attack = {
  id: 'slow readers',
  limit: 'maxBufferedBytesPerStream',
  appliesTo: () => true,
  async run(context) {
    const text = 'z'.repeat(200 * 1024);
    const tally = new Tally();
    if (context.stage.kind === 'sse') {
      const streams = context.quick ? 8 : 40;
      const calls = context.quick ? 10 : 40;
      const sessions = await Promise.all(
        Array.from({ length: streams }, () => openAttackSession(context)),
      );
      for (const session of sessions) session.stream?.pause();
      const agent = attackerAgent(8);
      await pool(streams * calls, 8, (index) =>
        tally.reply(
          sessions[index % streams]!.post(toolCall(100 + index, 'echo', { text }), agent),
        ),
      );
      agent.destroy();
      await sleep(1_000); // let the server write what it can
      return {
        note: `${streams} paused /sse streams, ${calls} echo of 200 KB each sent to each (${mb(streams * calls * 200 * 1024)}): ${tally.text()}`,
        release: () => closeAll(sessions),
      };
    }
    const count = context.quick ? 30 : 300;
    const sessionIds =
      context.stage.kind === 'sessions'
        ? await Promise.all(Array.from({ length: 4 }, () => openSession(context.url)))
        : [undefined];
    const held: RawConnection[] = [];
    await pool(count, 16, async (index) => {
      const body =
        index % 2 === 0
          ? toolCall(100 + index, 'echo', { text }, true)
          : toolCall(100 + index, 'search_issues', { query: '', pages: 100, delayMs: 20 }, true);
      const connection = await RawConnection.open(
        context.url,
        rawPost(context.url, body, postHeaders(sessionIds[index % sessionIds.length])),
      ).catch((error: Error) => {
        tally.add(error.message);
        return undefined;
      });
      if (!connection) return;
      connection.pause(); // read nothing, ever
      held.push(connection);
      tally.add('sent');
    });
    await sleep(2_500); // the searches take 2 s: by now the server has written all it will
    const closed = held.filter((connection) => connection.closed).length;
    return {
      note: `${count} paused sockets, half a 200 KB echo, half a 100-page search of every issue (progress on): ${tally.text()}; ${closed} closed by the server`,
      release: () => closeAll(held),
    };
  },
};

/** A 2025-03-26 batch of long searches whose client hangs up: work nobody can receive. */
const batchDisconnect: Attack = {
  id: 'batch of long searches, client gone',
  limit: 'maxBatchSize',
  appliesTo: (stage) => stage.kind !== 'sse', // 2024-11-05 has no batches
  async run(context) {
    const batches = context.quick ? 2 : 5;
    const entries = context.quick ? 200 : 2_000;
    const version = '2025-03-26';
    const sessionId =
      context.stage.kind === 'sessions' ? await openSession(context.url, { version }) : undefined;
    const body = `[${Array.from({ length: entries }, (_, index) =>
      toolCall(index + 1, 'search_issues', { query: 'stream', pages: 100, delayMs: 100 }),
    ).join(',')}]`;
    const before = (await context.server.diagnostics()).counters;
    const connections: RawConnection[] = [];
    for (let batch = 0; batch < batches; batch += 1) {
      connections.push(
        await RawConnection.open(
          context.url,
          rawPost(context.url, body, postHeaders(sessionId, version)),
        ),
      );
    }
    await sleep(300);
    closeAll(connections); // the client is gone: nobody will ever read these answers
    await sleep(1_000);
    const after = (await context.server.diagnostics()).counters;
    const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
    const running =
      delta('searchIssuesStarts') - delta('searchIssuesAborted') - delta('searchIssuesCompleted');
    return {
      note:
        `${batches} batches of ${entries} 10-s searches, hung up after 0.3 s: ` +
        `${delta('searchIssuesStarts')} started, ${delta('searchIssuesAborted')} aborted, ` +
        `${running} still running 1 s later`,
      release: () => {},
    };
  },
};

/** Arguments nested 100,000 levels deep: recursive code's stack. */
const deepNesting: Attack = {
  id: 'arguments nested 100,000 deep',
  limit: 'maxJsonDepth',
  appliesTo: () => true,
  async run(context) {
    const count = context.quick ? 3 : 20;
    const tally = new Tally();
    const session = await openAttackSession(context);
    const body = deeplyNestedCall(100_000);
    const heads = new Tally();
    await pool(count, 2, async () => {
      const reply = await tally.reply(session.post(body));
      const code = /"code":(-?\d+)/.exec(reply?.head ?? '')?.[1];
      if (code) heads.add(code);
    });
    const answered =
      context.stage.kind === 'sse'
        ? `; on the stream ${await answersArrive([session], count + 1)} answers, ${session.errors} errors`
        : '';
    session.close();
    return {
      note: `${count} calls of ${mb(body.length)}: ${tally.text()}; JSON-RPC errors ${heads.text()}${answered}`,
      release: () => {},
    };
  },
};

/** A declared 1 GiB body that never comes: connections held open by a promise. */
const hugeContentLength: Attack = {
  id: 'declared 1 GiB Content-Length',
  limit: 'maxBodyBytes',
  appliesTo: () => true,
  async run(context) {
    const count = context.quick ? 50 : 500;
    const tally = new Tally();
    // Stage 02 checks the session before the body: a real session gets as far as the body.
    const sse = context.stage.kind === 'sse' ? await openSseSession(context.url) : undefined;
    const target = sse?.messageUrl ?? context.url;
    const held: RawConnection[] = [];
    const start =
      requestHead('POST', target, {
        ...postHeaders(),
        'content-length': 1024 * 1024 * 1024,
      }) + '['.repeat(64 * 1024);
    await pool(count, 32, async () => {
      const connection = await RawConnection.open(target, start).catch((error: Error) => {
        tally.add(error.message);
        return undefined;
      });
      if (connection) held.push(connection);
    });
    await sleep(1_000);
    for (const connection of held) {
      const status = /^HTTP\/1\.1 (\d+)/.exec(connection.text)?.[1];
      tally.add(status ?? (connection.closed ? 'closed, no answer' : 'no answer yet'));
    }
    const closed = held.filter((connection) => connection.closed).length;
    return {
      note: `${count} POSTs declaring 1 GiB, 64 KB sent: ${tally.text()}; ${closed} closed by the server after 1 s`,
      release: () => {
        closeAll(held);
        sse?.stream.destroy();
      },
    };
  },
};

/** Every attack, in the table's order. */
export const ATTACKS: readonly Attack[] = [
  hugeCapabilities,
  manySessions,
  largeEchoes,
  manyStreams,
  slowReaders,
  batchDisconnect,
  deepNesting,
  hugeContentLength,
];
