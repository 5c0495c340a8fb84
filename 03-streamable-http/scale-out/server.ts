/**
 * Stage 03 on Redis: the same server, given a session store and an event store
 * that every instance shares, so any instance can serve any session.
 *
 * Teaches: scale-out as an extension, not a rewrite. `../server.ts` takes its
 * stores as options and knows nothing of Redis; this file connects to Redis,
 * opens the two stores (redis-sessions.ts, redis-event-store.ts) and passes
 * them in. Closing stops the server first, so the calls it aborts still store
 * their answers, then leaves Redis.
 * Implements: Streamable HTTP, revision 2025-11-25, "Session Management" and
 * "Resumability and Redelivery", across instances.
 * Read next: redis-sessions.ts, then redis-event-store.ts, followed-stream.ts
 * and redis-connection.ts; then ../../docs/06-scale-out.md.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#session-management
 * @module
 */
import { closeOnSignals, isEntryPoint, portFromEnv } from '../../shared/cli.ts';
import {
  DEFAULT_PORT,
  KEEP_ALIVE_MS,
  STREAM_RETENTION_MS,
  createStreamableHttpServer,
  type StreamableHttpServer,
  type StreamableHttpServerOptions,
} from '../server.ts';
import { limitsWith } from '../../shared/limits.ts';
import { openRedisState } from './redis-sessions.ts';

/** Options for {@link createScaleOutServer}. */
export interface ScaleOutServerOptions extends Omit<
  StreamableHttpServerOptions,
  'sessionStore' | 'eventStore' | 'sessionless'
> {
  /** The Redis every instance shares, e.g. `redis://127.0.0.1:6379`. */
  redisUrl: string;
  /** How long an instance's owner key lives unrenewed (see `OWNER_TTL_MS`). */
  ownerTtlMs?: number;
}

/** A running stage 03 instance on Redis. */
export interface ScaleOutServer extends StreamableHttpServer {
  /** Resumes served here for streams another instance writes. */
  readonly streamsFollowed: number;
}

/**
 * Starts one stage 03 instance whose sessions and events live in Redis.
 *
 * @example
 * ```ts
 * const a = await createScaleOutServer({ port: 0, redisUrl });
 * const b = await createScaleOutServer({ port: 0, redisUrl }); // serves a's sessions too
 * ```
 */
export async function createScaleOutServer(
  options: ScaleOutServerOptions,
): Promise<ScaleOutServer> {
  const { redisUrl, ownerTtlMs, ...serverOptions } = options;
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const redis = await openRedisState(redisUrl, {
    retentionMs: options.streamRetentionMs ?? STREAM_RETENTION_MS,
    keepAliveMs: options.keepAliveMs ?? KEEP_ALIVE_MS,
    maxBufferedBytes: limitsWith(options.limits).maxBufferedBytesPerStream,
    onError,
    ...(ownerTtlMs === undefined ? {} : { ownerTtlMs }),
  });
  const server = await createStreamableHttpServer({
    ...serverOptions,
    sessionStore: redis.sessions,
    eventStore: redis.eventStore,
  });
  return {
    url: server.url,
    get sessions() {
      return server.sessions;
    },
    get openSockets() {
      return server.openSockets;
    },
    get connections() {
      return server.connections;
    },
    get streamsFollowed() {
      return redis.sessions.streamsFollowed;
    },
    async close() {
      // The server first: the calls it aborts store their "send it again" answers in Redis.
      await server.close();
      await redis.close();
    },
  };
}

if (isEntryPoint(import.meta.url)) {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    console.error(
      'Set REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379 (or run npm run 03:cluster)',
    );
    process.exit(1);
  }
  const server = await createScaleOutServer({ port: portFromEnv(DEFAULT_PORT), redisUrl });
  console.log(`listening on ${server.url} (sessions in ${redisUrl})`);
  closeOnSignals(() => server.close());
}
