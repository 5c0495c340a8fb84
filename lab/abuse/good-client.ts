/**
 * The well-behaved client of the abuse run, in a process of its own: while an
 * attack runs, it calls `echo` every few milliseconds, as an ordinary user of
 * the server would, and counts what it got.
 *
 * Teaches: the question that matters in an attack. Heap and file descriptors
 * say what the attacker cost; whether the *other* clients are still served
 * says whether the server survived it. Each call opens a fresh connection, as
 * a new client would, so a server out of file descriptors or stuck in a long
 * task shows as failures and latency here. Its own process keeps the
 * attacker's CPU out of its timings.
 * Input over IPC: `{ type: 'start', kind, url }`, then `{ type: 'stop' }`.
 * Output: {@link GoodClientStats}, in answer to `stop`.
 * Read next: run.ts, which starts it beside each attack.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  initializeBody,
  openSession,
  openSseSession,
  post,
  postHeaders,
  rpc,
  toolCall,
  VERSION,
  type RawConnection,
  type StageKind,
} from './stages.ts';

/** How long one call may take before it counts as failed. */
export const CALL_TIMEOUT_MS = 2_000;

/** The pause between one call's end and the next call. */
export const PAUSE_MS = 5;

/** What the well-behaved client saw during one attack. */
export interface GoodClientStats {
  /** Calls answered with a result. */
  ok: number;
  /** Calls refused, failed, or not answered within {@link CALL_TIMEOUT_MS}. */
  failed: number;
  /** The slowest call, failed or not (setup of a session or stream included), in ms. */
  worstMs: number;
  /** The first failure's reason. */
  firstError?: string;
}

/** Messages this process takes from its parent. */
export type GoodClientCommand = { type: 'start'; kind: StageKind; url: string } | { type: 'stop' };

/** One way to call `echo`: set up (a session, a stream) on first use. */
interface Caller {
  echo(id: number): Promise<void>;
  close(): void;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A POST whose answer must be a result, as JSON or as an SSE stream. */
async function expectResult(url: string, body: string, headers: Record<string, string>) {
  const reply = await post(url, body, headers, { timeoutMs: CALL_TIMEOUT_MS });
  if (reply.status !== 200 || !reply.head.includes('"result"'))
    throw new Error(`HTTP ${reply.status}`);
}

async function connect(kind: StageKind, url: string): Promise<Caller> {
  switch (kind) {
    case 'plain':
    case 'sessionless':
      return {
        echo: (id) => expectResult(url, toolCall(id, 'echo', { text: 'ping' }), postHeaders()),
        close: () => {},
      };
    case 'sessions': {
      const sessionId = await openSession(url);
      return {
        echo: (id) =>
          expectResult(url, toolCall(id, 'echo', { text: 'ping' }), postHeaders(sessionId)),
        close: () => {},
      };
    }
    case 'sse':
      return connectSse(url);
  }
}

/** Stage 02: one stream for the whole attack; each answer is matched to its call by id. */
async function connectSse(url: string): Promise<Caller> {
  const waiting = new Map<number, (ok: boolean) => void>();
  let pending = '';
  const onData = (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const match = /^data: \{"jsonrpc":"2\.0","id":(\d+),"(result|error)"/.exec(line);
      if (match) waiting.get(Number(match[1]))?.(match[2] === 'result');
    }
  };
  const { stream, messageUrl }: { stream: RawConnection; messageUrl: string } =
    await openSseSession(url, onData);
  const headers = { 'content-type': 'application/json' };
  const call = async (id: number, body: string) => {
    const answered = new Promise<boolean>((resolve) => waiting.set(id, resolve));
    try {
      const reply = await post(messageUrl, body, headers, { timeoutMs: CALL_TIMEOUT_MS });
      if (reply.status !== 202) throw new Error(`HTTP ${reply.status}`);
      if (!(await withTimeout(answered, CALL_TIMEOUT_MS))) throw new Error('error answer');
    } finally {
      waiting.delete(id);
    }
  };
  await call(1, initializeBody({}, VERSION));
  await post(messageUrl, rpc(undefined, 'notifications/initialized'), headers);
  return {
    echo: async (id) => {
      if (stream.closed) throw new Error('stream closed');
      await call(id, toolCall(id, 'echo', { text: 'ping' }));
    },
    close: () => stream.destroy(),
  };
}

let running: { stop: () => Promise<GoodClientStats> } | undefined;

function start(kind: StageKind, url: string): { stop: () => Promise<GoodClientStats> } {
  const stats: GoodClientStats = { ok: 0, failed: 0, worstMs: 0 };
  let stopped = false;
  const loop = (async () => {
    let caller: Caller | undefined;
    for (let id = 2; !stopped; id += 1) {
      const started = performance.now();
      try {
        caller ??= await withTimeout(connect(kind, url), CALL_TIMEOUT_MS);
        await withTimeout(caller.echo(id), CALL_TIMEOUT_MS);
        stats.ok += 1;
      } catch (error) {
        stats.failed += 1;
        stats.firstError ??= error instanceof Error ? error.message : String(error);
        caller?.close();
        caller = undefined; // set up again: a new session or stream, as a client would
      }
      stats.worstMs = Math.max(stats.worstMs, performance.now() - started);
      await sleep(PAUSE_MS);
    }
    caller?.close();
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return stats;
    },
  };
}

process.on('message', (command: GoodClientCommand) => {
  if (command.type === 'start') {
    running = start(command.kind, command.url);
    process.send?.({ type: 'started' });
  } else {
    const current = running;
    running = undefined;
    void current?.stop().then((stats) => process.send?.({ type: 'stats', stats }));
  }
});
