/**
 * A round-robin load balancer: a small reverse proxy in front of N instances
 * of one server, with an optional sticky mode. The scale-out tests of stages
 * 02 and 03 put it in front of two instances.
 *
 * Teaches: what "scale-out" asks of a transport. Round-robin sends each HTTP
 * request to the next instance, so it only works when any instance can answer
 * any request. A transport that keeps per-client state in one process (a
 * stage 02 stream, a stage 03 session) needs *sticky* routing instead, and a
 * balancer can only be sticky on something it can see: here the `sessionId`
 * query parameter (stage 02) or the `Mcp-Session-Id` header (stage 03), learned
 * from the server's own answers. Streams pass through unbuffered, chunk by chunk,
 * because a proxy that buffers SSE holds back every progress event.
 * Read next: server-process.ts, the instances it balances.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#session-management
 * @module
 */
import {
  Agent,
  createServer,
  request,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import { listenOnLoopback } from '../../shared/cli.ts';
import { sendJsonRpcError } from '../../shared/http/errors.ts';
import { ErrorCode, errorResponse } from '../../shared/protocol/jsonrpc.ts';

/** Options for {@link startBalancer}. */
export interface BalancerOptions {
  /** The instances' origins, e.g. `['http://127.0.0.1:4001', 'http://127.0.0.1:4002']`. */
  upstreams: readonly string[];
  /** Route every request of a known session to the instance that created it. */
  sticky?: boolean;
  /** 0 (the default) picks a free port. */
  port?: number;
}

/** A running balancer. */
export interface Balancer {
  /** The balancer's origin, e.g. `http://127.0.0.1:4000`; append the server's path. */
  url: string;
  /** How many requests went to each upstream, in `upstreams` order. */
  readonly routed: readonly number[];
  /** Stops listening and closes every client connection, open streams included; their upstream requests close with them. */
  close(): Promise<void>;
}

/**
 * How many session-to-instance routes a sticky balancer remembers. Old ones
 * are forgotten first; a real balancer would also expire them.
 */
const MAX_ROUTES = 10_000;

/** How long an instance that refused a connection stays out of the rotation. */
const DOWN_FOR_MS = 5_000;

/** The headers that describe one hop, not the message: a proxy must not forward them. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
];

/**
 * Starts a balancer on 127.0.0.1.
 *
 * @example
 * ```ts
 * const balancer = await startBalancer({ upstreams: [a.origin, b.origin], sticky: true });
 * const client = new SseClientTransport(`${balancer.url}/sse`);
 * ```
 */
export async function startBalancer(options: BalancerOptions): Promise<Balancer> {
  const upstreams = options.upstreams.map((origin) => new URL(origin));
  if (upstreams.length === 0) throw new Error('A balancer needs at least one upstream');
  const routed = upstreams.map(() => 0);
  const routes = new Map<string, number>(); // session id -> upstream index (sticky mode)
  const agent = new Agent({ keepAlive: true });
  /** When each upstream that refused a connection may be tried again (a passive health check). */
  const downUntil = upstreams.map(() => 0);
  let next = 0;

  const chooseUpstream = (req: IncomingMessage): number => {
    const known = options.sticky ? routes.get(sessionKey(req) ?? '') : undefined;
    if (known !== undefined) return known;
    // Round robin over the instances that are up; if none is, try them anyway.
    for (let tries = 0; tries < upstreams.length; tries += 1) {
      const candidate = (next + tries) % upstreams.length;
      if ((downUntil[candidate] ?? 0) <= Date.now()) {
        next = (candidate + 1) % upstreams.length;
        return candidate;
      }
    }
    const chosen = next;
    next = (next + 1) % upstreams.length;
    return chosen;
  };

  const learnRoute = (sessionId: string, index: number): void => {
    if (!options.sticky || routes.has(sessionId)) return;
    routes.set(sessionId, index);
    if (routes.size > MAX_ROUTES) routes.delete(routes.keys().next().value as string);
  };

  const server = createServer((req, res) => {
    const index = chooseUpstream(req);
    routed[index] = (routed[index] ?? 0) + 1;
    const upstreamRequest = forwardRequest(req, upstreams[index] as URL, agent);
    upstreamRequest.on('response', (upstreamResponse) => {
      res.writeHead(upstreamResponse.statusCode ?? 502, {
        ...withoutHopByHop(upstreamResponse.headers),
        // Which instance answered, as many balancers say: the client must not care, a reader may.
        'x-served-by': `instance ${index + 1}`,
      });
      res.flushHeaders(); // an SSE client should see the stream open now, not with the first event
      upstreamResponse.pipe(res);
      // The instance died mid-answer: cut the client's connection too, so it sees the drop.
      upstreamResponse.on('close', () => {
        if (!upstreamResponse.complete) res.destroy();
      });
      // Stage 03 names its session in a header; stage 02 only inside the stream's first event.
      const headerSession = upstreamResponse.headers['mcp-session-id'];
      if (typeof headerSession === 'string') learnRoute(headerSession, index);
      else if (options.sticky && isEventStream(upstreamResponse)) {
        watchForEndpointEvent(upstreamResponse, (id) => learnRoute(id, index));
      }
    });
    upstreamRequest.on('error', (error: NodeJS.ErrnoException) => {
      // Nobody listens there: leave it out of the rotation for a while, as a health check would.
      if (error.code === 'ECONNREFUSED') downUntil[index] = Date.now() + DOWN_FOR_MS;
      if (res.headersSent) res.destroy();
      else
        sendJsonRpcError(
          res,
          502,
          errorResponse(null, ErrorCode.InternalError, 'Bad Gateway: upstream unreachable'),
        );
    });
    // When the client goes away, so does our request upstream: the server must see the close too.
    res.on('close', () => upstreamRequest.destroy());
    req.pipe(upstreamRequest);
  });
  const port = await listenOnLoopback(server, options.port ?? 0);

  return {
    url: `http://127.0.0.1:${port}`,
    routed,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

/** The session a request belongs to, as a balancer can see it without reading the body. */
function sessionKey(req: IncomingMessage): string | undefined {
  const header = req.headers['mcp-session-id'];
  if (typeof header === 'string') return header;
  const query = new URL(req.url ?? '/', 'http://balancer').searchParams.get('sessionId');
  return query ?? undefined;
}

function isEventStream(response: IncomingMessage): boolean {
  return (response.headers['content-type'] ?? '').startsWith('text/event-stream');
}

/**
 * Reads along the start of a stage 02 stream for its `endpoint` event, whose
 * URL names the session. Only the first few KiB: the event comes first.
 */
function watchForEndpointEvent(stream: IncomingMessage, onSession: (id: string) => void): void {
  let seen = '';
  const onData = (chunk: Buffer): void => {
    seen += chunk.toString('utf8');
    const match = /event: endpoint\r?\ndata: (\S+)/.exec(seen);
    const sessionId = match
      ? new URL(match[1] ?? '', 'http://balancer').searchParams.get('sessionId')
      : null;
    if (sessionId) onSession(sessionId);
    if (sessionId || seen.length > 4096) stream.off('data', onData);
  };
  stream.on('data', onData);
}

/**
 * Starts the same request to `target`: method, path and end-to-end headers.
 * The caller pipes the body into it and reads its response. Both proxies in
 * the course (this balancer, the trace's recording proxy) forward this way.
 */
export function forwardRequest(req: IncomingMessage, target: URL, agent: Agent): ClientRequest {
  return request({
    agent,
    host: target.hostname,
    port: target.port,
    method: req.method,
    path: req.url,
    headers: withoutHopByHop(req.headers),
  });
}

/**
 * A copy of `headers` without the hop-by-hop ones, ready to forward. Every
 * proxy in the course (this balancer, the trace's recording proxy) needs it:
 * Node frames the next hop itself, and a forwarded `Transfer-Encoding` would
 * contradict it.
 */
export function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  for (const name of HOP_BY_HOP) delete copy[name];
  return copy;
}
