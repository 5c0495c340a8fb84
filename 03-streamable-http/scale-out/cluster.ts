/**
 * `npm run 03:cluster`: stage 03 as a real deployment in miniature. A Redis,
 * N server processes sharing their sessions and events through it, and a
 * round-robin load balancer in front, with no sticky sessions.
 * `npm run 03:cluster -- --instances 3`; `REDIS_URL` to use a Redis you run,
 * otherwise a private `redis-server` is started on a free port with
 * persistence off. The balancer listens on `PORT` (3003 by default), where
 * `npm run 03:client` looks.
 *
 * Teaches: that a client cannot tell which instance answers. Every POST,
 * resume and DELETE may land on a different process, and the calls still
 * work, because nothing an instance needs is only in its memory.
 * Read next: ../../docs/06-scale-out.md.
 * @module
 */
import { parseArgs } from 'node:util';
import { startBalancer } from '../../lab/deploy/balancer.ts';
import { closeOnSignals, portFromEnv } from '../../shared/cli.ts';
import {
  isRedisServerInstalled,
  REDIS_INSTALL_HINT,
  startRedisServer,
} from '../../lab/deploy/redis-server.ts';
import { startServerProcess } from '../../lab/deploy/server-process.ts';
import { DEFAULT_PORT } from '../server.ts';

const { values } = parseArgs({ options: { instances: { type: 'string', default: '3' } } });
const instances = Number(values.instances);
if (!Number.isInteger(instances) || instances < 1)
  throw new Error('--instances must be at least 1');

let redisUrl = process.env.REDIS_URL;
let stopRedis = (): Promise<void> => Promise.resolve();
if (!redisUrl) {
  if (!isRedisServerInstalled()) {
    console.error(`${REDIS_INSTALL_HINT} Or set REDIS_URL to a Redis you run.`);
    process.exit(1);
  }
  const redis = await startRedisServer();
  redisUrl = redis.url;
  stopRedis = () => redis.stop();
  console.log(`redis-server on ${redisUrl} (private, persistence off)`);
}

const servers = await Promise.all(
  Array.from({ length: instances }, () =>
    startServerProcess('03-streamable-http/scale-out/server.ts', { REDIS_URL: redisUrl }),
  ),
);
servers.forEach((server, index) => console.log(`instance ${index + 1}: ${server.url}`));
const balancer = await startBalancer({
  upstreams: servers.map((server) => new URL(server.url).origin),
  port: portFromEnv(DEFAULT_PORT),
});
console.log(`round-robin balancer: ${balancer.url}/mcp`);
console.log(
  `\nTry a call that resumes on another instance:\n` +
    `  PORT=${new URL(balancer.url).port} npm run 03:client -- --revision 2025-11-25 --drop-after 3\n` +
    `Ctrl-C stops everything.`,
);

closeOnSignals(async () => {
  await balancer.close();
  await Promise.all(servers.map((server) => server.stop()));
  await stopRedis();
});
