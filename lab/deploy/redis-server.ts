/**
 * Starts a private `redis-server` on a free loopback port, for the scale-out
 * tests, the bench and `npm run 03:cluster`.
 *
 * Teaches: nothing about MCP; it keeps the Redis runs honest. Each run gets
 * its own server with persistence off, so no test touches a shared Redis or
 * leaves a file behind, and a test can stop and restart Redis to see what
 * the instances do without it.
 * Read next: ../../03-streamable-http/scale-out/cluster.ts, which starts one.
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { stopChild } from './server-process.ts';

/** What to do when `redis-server` is missing. */
export const REDIS_INSTALL_HINT =
  'redis-server is not installed: on Debian or Ubuntu, `sudo apt-get install redis-server`; ' +
  'on macOS, `brew install redis`.';

/** A running private Redis. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** The port it listens on, on 127.0.0.1. */
  port: number;
  /** Stops it (SIGTERM) and waits for the exit. Nothing is saved. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty: what a restart without persistence looks like. */
  restart(): Promise<void>;
}

/** True when a `redis-server` binary is on the PATH. */
export function isRedisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts `redis-server` on 127.0.0.1 with persistence off.
 *
 * @param port a fixed port; a free one by default.
 * @example
 * ```ts
 * const redis = await startRedisServer();
 * const server = await createScaleOutServer({ port: 0, redisUrl: redis.url });
 * await redis.stop();
 * ```
 */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  const chosen = port ?? (await freePort());
  let child = await spawnRedis(chosen);
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    stop: () => stopChild(child),
    async restart() {
      await stopChild(child);
      child = await spawnRedis(chosen);
    },
  };
}

async function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}`)));
    child.once('error', reject);
  });
  const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
  try {
    await ready;
  } finally {
    clearTimeout(timeout);
  }
  // Once it is ready, it must not keep this process alive: it ends with the run, stopped or not.
  child.unref();
  (child.stdout as Socket).unref();
  process.once('exit', () => child.kill('SIGKILL'));
  return child;
}

/** A port nobody listens on right now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
