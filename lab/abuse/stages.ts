/**
 * The servers the abuse run attacks, and the few ways it talks to them: a
 * POST read to its end, a raw TCP connection that can stop reading, a session
 * of each stage, and the server process's file descriptors.
 *
 * Teaches: what an attacker needs, which is very little. A raw socket and a
 * handful of headers are enough to open sessions and streams, to promise a
 * body that never comes, or to stop reading an answer; none of it goes
 * through a well-behaved client, so none of it is bounded by one. Everything
 * here talks to 127.0.0.1 only, and every wait has a timeout.
 * Read next: attacks.ts, which uses these to attack; good-client.ts, the
 * client that must keep being served meanwhile.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { request, type Agent } from 'node:http';
import { connect, type Socket } from 'node:net';

/** How the run speaks to a stage. */
export type StageKind =
  /** Stage 01: one POST, one JSON answer, nothing kept. */
  | 'plain'
  /** Stage 02: `GET /sse` is the session; answers arrive on it. */
  | 'sse'
  /** Stage 03 with sessions: `initialize` names an `Mcp-Session-Id`. */
  | 'sessions'
  /** Stage 03 `--sessionless`: every POST stands alone. */
  | 'sessionless';

/** One server the run attacks, in a process of its own. */
export interface Stage {
  /** What `--only` names. */
  id: string;
  /** Its row label in the table. */
  title: string;
  /** The stage's `server.ts`, run inside ../deploy/measured-stage.ts. */
  script: string;
  /** The stage's flags. */
  args?: string[];
  kind: StageKind;
  /** Sessions and events in a private `redis-server` (skipped where none is installed). */
  redis?: boolean;
}

/** Every stage, in the table's order. */
export const STAGES: readonly Stage[] = [
  { id: '01', title: 'stage 01 plain HTTP', script: '01-plain-http/server.ts', kind: 'plain' },
  { id: '02', title: 'stage 02 HTTP+SSE', script: '02-http-sse/server.ts', kind: 'sse' },
  {
    id: '03',
    title: 'stage 03 sessions',
    script: '03-streamable-http/server.ts',
    kind: 'sessions',
  },
  {
    id: '03-sessionless',
    title: 'stage 03 sessionless',
    script: '03-streamable-http/server.ts',
    args: ['--sessionless'],
    kind: 'sessionless',
  },
  {
    id: '03-redis',
    title: 'stage 03 sessions on Redis',
    script: '03-streamable-http/scale-out/server.ts',
    kind: 'sessions',
    redis: true,
  },
];

/** The version every call names, unless an attack needs an older one (batches: 2025-03-26). */
export const VERSION = '2025-11-25';

/** A JSON-RPC message as a body. */
export function rpc(id: number | undefined, method: string, params?: object): string {
  return JSON.stringify({ jsonrpc: '2.0', ...(id === undefined ? {} : { id }), method, params });
}

/** An `initialize` body; `capabilities` is what an attacker inflates. */
export function initializeBody(capabilities: object = {}, version: string = VERSION): string {
  return rpc(1, 'initialize', {
    protocolVersion: version,
    capabilities,
    clientInfo: { name: 'abuse', version: '1' },
  });
}

/** A `tools/call`; with `progress`, stage 03 answers with an SSE stream (and keeps it for a resume). */
export function toolCall(id: number, name: string, args: object, progress = false): string {
  return rpc(id, 'tools/call', {
    name,
    arguments: args,
    ...(progress ? { _meta: { progressToken: `p${id}` } } : {}),
  });
}

/** The headers of a POST to stage 01 or 03: JSON, both answer types, the version, the session if any. */
export function postHeaders(sessionId?: string, version: string = VERSION): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': version,
    ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
  };
}

/** What came back from {@link post}. */
export interface Reply {
  status: number;
  /** `mcp-session-id`, when the server named one. */
  sessionId?: string;
  /** The first bytes of the body (a whole body would be the attacker's memory, not the server's). */
  head: string;
  /** How many bytes the body had. */
  bytes: number;
}

/**
 * One HTTP request, read to its end, in at most `timeoutMs`. It rejects on a
 * network error or a timeout, with the error's code as its message, so that
 * a table can count them.
 */
export function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { agent?: Agent | false; timeoutMs?: number; method?: string } = {},
): Promise<Reply> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'POST',
        headers,
        agent: options.agent ?? false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        let head = '';
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (head.length < 2_048) head += chunk.toString('utf8', 0, 2_048);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            sessionId: res.headers['mcp-session-id'] as string | undefined,
            head,
            bytes,
          }),
        );
        res.on('error', (error) => reject(failure(error)));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => reject(failure(error)));
    req.end(body);
  });
}

/** An error reduced to what a table counts: its code (`ECONNRESET`) or its message. */
export function failure(error: unknown): Error {
  const code = (error as { code?: string }).code;
  return new Error(code ?? (error instanceof Error ? error.message : String(error)));
}

/**
 * A raw TCP connection to the server: what the attacks use where an HTTP
 * client would be too polite (it would read every answer, and send every body
 * it declares). It keeps only the first bytes it reads.
 */
export class RawConnection {
  readonly socket: Socket;
  /** The first 64 KiB read, for {@link RawConnection.waitFor}. */
  text = '';
  /** Bytes read so far. */
  bytes = 0;
  /** True once the server (or the network) closed the connection. */
  closed = false;
  readonly #listeners = new Set<() => void>();

  private constructor(socket: Socket, onData?: (chunk: string) => void) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.bytes += chunk.length;
      if (this.text.length < 65_536) this.text += chunk;
      onData?.(chunk);
      for (const listener of this.#listeners) listener();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      for (const listener of this.#listeners) listener();
    });
  }

  /**
   * Connects to `url`'s host and port and writes `data` (a request's head,
   * and as much body as the attack chooses). `onData` sees every chunk read.
   */
  static open(
    url: string,
    data: string,
    onData?: (chunk: string) => void,
    timeoutMs = 5_000,
  ): Promise<RawConnection> {
    const target = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: target.hostname, port: Number(target.port) });
      const timer = setTimeout(() => socket.destroy(new Error('timeout')), timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        const connection = new RawConnection(socket, onData);
        socket.write(data);
        resolve(connection);
      });
      const onError = (error: Error) => {
        clearTimeout(timer);
        reject(failure(error));
      };
      socket.once('error', onError);
    });
  }

  /** Resolves with the match once the bytes read so far match `pattern`; `undefined` on close or timeout. */
  waitFor(pattern: RegExp, timeoutMs = 5_000): Promise<RegExpExecArray | undefined> {
    return new Promise((resolve) => {
      const check = () => {
        const match = pattern.exec(this.text);
        if (!match && !this.closed) return;
        this.#listeners.delete(check);
        clearTimeout(timer);
        resolve(match ?? undefined);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        resolve(undefined);
      }, timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  /** Stops reading: what the server writes from now on waits in its buffers. */
  pause(): void {
    this.socket.pause();
  }

  /** Closes the connection at once. */
  destroy(): void {
    this.socket.destroy();
  }
}

/** The head of an HTTP/1.1 request, for a {@link RawConnection}. */
export function requestHead(
  method: string,
  url: string,
  headers: Record<string, string | number>,
): string {
  const target = new URL(url);
  const lines = Object.entries({ host: target.host, ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `${method} ${target.pathname}${target.search} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** A whole request (head and body) as one string. */
export function rawPost(url: string, body: string, headers: Record<string, string>): string {
  return requestHead('POST', url, { ...headers, 'content-length': Buffer.byteLength(body) }) + body;
}

/**
 * Opens a stage 02 session: `GET /sse` on a raw connection, until its
 * `endpoint` event names the URL to POST to. `onData` sees the stream.
 */
export async function openSseSession(
  sseUrl: string,
  onData?: (chunk: string) => void,
): Promise<{ stream: RawConnection; messageUrl: string }> {
  const stream = await RawConnection.open(
    sseUrl,
    requestHead('GET', sseUrl, { accept: 'text/event-stream' }),
    onData,
  );
  const endpoint = await stream.waitFor(/event: endpoint\ndata: (\S+)\n/);
  if (!endpoint?.[1]) {
    stream.destroy();
    throw new Error(stream.closed ? 'stream closed' : 'no endpoint event');
  }
  return { stream, messageUrl: new URL(endpoint[1], sseUrl).href };
}

/** Opens a stage 03 session; returns its `Mcp-Session-Id`. */
export async function openSession(
  url: string,
  options: { capabilities?: object; version?: string; agent?: Agent | false } = {},
): Promise<string> {
  const { version = VERSION } = options;
  const reply = await post(url, initializeBody(options.capabilities, version), postHeaders(), {
    agent: options.agent,
  });
  if (!reply.sessionId) throw new Error(`HTTP ${reply.status}`);
  await post(
    url,
    rpc(undefined, 'notifications/initialized'),
    postHeaders(reply.sessionId, version),
    {
      agent: options.agent,
    },
  );
  return reply.sessionId;
}

/** The server process's open file descriptors: sockets, files, pipes (Linux, `/proc`). */
export function countFds(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined; // gone, or not Linux
  }
}

/** The highest RSS the process has had (`VmHWM`), in bytes: a peak the samples may miss. */
export function peakRss(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The kernel's memory for TCP buffers, machine-wide (`/proc/net/sockstat`), in
 * bytes: where a slow reader's unread answers wait before the server's own
 * buffers fill. Machine-wide, so other programs' traffic counts too.
 */
export function kernelTcpBytes(): number | undefined {
  try {
    const match = /TCP:.* mem (\d+)/.exec(readFileSync('/proc/net/sockstat', 'utf8'));
    return match?.[1] ? Number(match[1]) * 4096 : undefined;
  } catch {
    return undefined;
  }
}

/** True while process `pid` exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
