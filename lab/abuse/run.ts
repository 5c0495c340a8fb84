/**
 * `npm run lab:abuse`: every stage's server, attacked by one client at a time,
 * while one well-behaved client keeps calling `echo`; a table of what each
 * attack cost the server and whether the well-behaved client was still served.
 *
 * Teaches: how to tell a server that survives abuse from one that does not,
 * from outside it. Each stage × attack gets a fresh server process, started
 * with a small heap (`--max-old-space-size`, 256 MB by default) as a
 * container would give it, so that memory a client can make it keep shows as
 * a crash and not only as a figure. Around the attack the run reads the
 * server's heap and RSS after a garbage collection (over IPC, see
 * ../deploy/diagnostics.ts), its open file descriptors (`/proc/<pid>/fd`), its
 * peak RSS, and whether its process is still alive: before the attack, while
 * the attacker still holds what it opened ("held"), and after it let go.
 * Every attack is bounded in count and time, and talks to 127.0.0.1 only.
 * `--quick`: small counts. `--only 01,03`: some stages. `--attack WORDS`: the
 * attacks whose name contains WORDS. `--max-old-space-size MB`: the servers'
 * heap. `--write`: rewrite ../../docs/abuse.md.
 * Read next: attacks.ts, the attacks and the limit each one should meet;
 * good-client.ts, the client that must keep being served.
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { connectRedis } from '../../03-streamable-http/scale-out/redis-connection.ts';
import type { Diagnostics } from '../deploy/diagnostics.ts';
import {
  isRedisServerInstalled,
  REDIS_INSTALL_HINT,
  startRedisServer,
  type RedisServer,
} from '../deploy/redis-server.ts';
import { startServerProcess, type ServerProcess } from '../deploy/server-process.ts';
import { ATTACKS, type Attack, type AttackOutcome } from './attacks.ts';
import type { GoodClientCommand, GoodClientStats } from './good-client.ts';
import { countFds, isAlive, kernelTcpBytes, peakRss, STAGES, type Stage } from './stages.ts';

/** Where `--write` puts the table. */
const ABUSE_FILE = new URL('../../docs/abuse.md', import.meta.url);
const GOOD_CLIENT = new URL('./good-client.ts', import.meta.url).pathname;

/** How long the well-behaved client runs alone before an attack, and the server settles after. */
const SETTLE_MS = 250;

/** One reading of the server. */
interface Reading {
  /** Undefined when the server did not answer (it died, or hung past 5 s). */
  diagnostics?: Diagnostics;
  fds?: number;
}

/** One row of the table: one attack on one stage. */
interface Row {
  stage: Stage;
  attack: Attack;
  note: string;
  before: Reading;
  held: Reading;
  after: Reading;
  peakRss?: number;
  /** Growth of the kernel's TCP buffer memory while the attack held on (machine-wide). */
  kernelTcp?: number;
  alive: boolean;
  client: GoodClientStats;
}

/** The well-behaved client's process, driven over IPC. */
class GoodClient {
  readonly #child: ChildProcess = fork(GOOD_CLIENT, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

  #ask<T>(command: GoodClientCommand, reply: string): Promise<T> {
    return new Promise((resolve) => {
      const onMessage = (message: { type: string } & T) => {
        if (message.type !== reply) return;
        this.#child.off('message', onMessage);
        resolve(message);
      };
      this.#child.on('message', onMessage);
      this.#child.send(command);
    });
  }

  async start(stage: Stage, url: string): Promise<void> {
    await this.#ask({ type: 'start', kind: stage.kind, url }, 'started');
  }

  async stop(): Promise<GoodClientStats> {
    return (await this.#ask<{ stats: GoodClientStats }>({ type: 'stop' }, 'stats')).stats;
  }

  close(): void {
    this.#child.kill();
  }
}

/** Redis's own memory (`used_memory`), in bytes: where the scale-out server keeps what a client sends. */
async function redisMemory(url: string): Promise<number | undefined> {
  const redis = await connectRedis(url, () => {});
  try {
    const match = /used_memory:(\d+)/.exec(await redis.info('memory'));
    return match?.[1] ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  } finally {
    redis.destroy();
  }
}

async function read(server: ServerProcess): Promise<Reading> {
  const diagnostics = isAlive(server.pid)
    ? await server.diagnostics().catch(() => undefined)
    : undefined;
  return { diagnostics, fds: countFds(server.pid) };
}

async function attackOnce(
  stage: Stage,
  attack: Attack,
  options: { quick: boolean; heapMb: number; redis?: RedisServer; client: GoodClient },
): Promise<Row> {
  const { redis, client } = options;
  await redis?.restart(); // empty: no sessions left from the attack before
  const server = await startServerProcess(
    stage.script,
    redis ? { REDIS_URL: redis.url } : {},
    stage.args ?? [],
    { execArgv: [`--max-old-space-size=${options.heapMb}`] },
  );
  try {
    const before = await read(server);
    const tcpBefore = kernelTcpBytes();
    await client.start(stage, server.url);
    await sleep(SETTLE_MS);
    let outcome: AttackOutcome;
    try {
      outcome = await attack.run({ stage, url: server.url, server, quick: options.quick });
    } catch (error) {
      outcome = { note: `the attack failed: ${(error as Error).message}`, release: () => {} };
    }
    await sleep(SETTLE_MS);
    const held = await read(server);
    const tcpHeld = kernelTcpBytes();
    const peak = peakRss(server.pid);
    const redisHeld = redis ? await redisMemory(redis.url) : undefined;
    outcome.release();
    await sleep(1.5 * SETTLE_MS);
    const after = await read(server);
    const stats = await client.stop();
    return {
      stage,
      attack,
      note:
        redisHeld === undefined
          ? outcome.note
          : `${outcome.note}; Redis used ${megabytes(redisHeld)} MB (held)`,
      before,
      held,
      after,
      peakRss: peak,
      kernelTcp: tcpBefore === undefined || tcpHeld === undefined ? undefined : tcpHeld - tcpBefore,
      alive: isAlive(server.pid),
      client: stats,
    };
  } finally {
    await server.stop();
  }
}

// ── The table ───────────────────────────────────────────────────────────────

const megabytes = (bytes: number | undefined) =>
  bytes === undefined ? '—' : (bytes / 1024 / 1024).toFixed(0);

/** A growth in MB, with its sign: `+6`, `−1`, `0`. */
function signedMegabytes(bytes: number | undefined): string {
  if (bytes === undefined) return '—';
  const rounded = Math.round(bytes / 1024 / 1024);
  return rounded > 0 ? `+${rounded}` : rounded < 0 ? `−${-rounded}` : '0';
}

function three(row: Row, pick: (reading: Reading) => number | undefined, format = megabytes) {
  return [row.before, row.held, row.after].map((reading) => format(pick(reading))).join(' → ');
}

function tableRow(row: Row): string {
  const { client } = row;
  const counters = row.held.diagnostics?.counters;
  const cells = [
    row.attack.id,
    row.note,
    three(row, (reading) => reading.diagnostics?.memory.heapUsed),
    `${three(row, (reading) => reading.diagnostics?.memory.rss)} (peak ${megabytes(row.peakRss)})`,
    three(
      row,
      (reading) => reading.fds,
      (n) => (n === undefined ? '—' : String(n)),
    ),
    counters ? `${counters.sessions ?? 0} / ${counters.openSockets ?? 0}` : '—',
    signedMegabytes(row.kernelTcp),
    row.alive ? 'yes' : '**no**',
    `${client.ok} / ${client.failed ? `**${client.failed}**` : 0}, ${client.worstMs.toFixed(0)} ms` +
      (client.firstError ? ` (first failure: ${client.firstError})` : ''),
    `\`${row.attack.limit}\``,
  ];
  return `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
}

const HEADER =
  '| Attack | What the attacker did and saw | Heap MB before → held → after | RSS MB before → held → after (peak) | FDs before → held → after | Sessions / sockets (held) | Kernel TCP MB (held) | Alive | Well-behaved client: ok / failed, worst | Limit that should stop it |\n' +
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';

function abuseDocument(rows: Row[], machine: string, command: string): string {
  const sections = [...new Set(rows.map((row) => row.stage))].map((stage) =>
    [
      `## ${stage.title}`,
      '',
      HEADER,
      ...rows.filter((row) => row.stage === stage).map(tableRow),
    ].join('\n'),
  );
  return `---
title: The abuse run, measured
---

# The abuse run, measured

Generated by \`${command}\` (lab/abuse/run.ts); do not edit by hand. ${machine}.

Each stage × attack runs against a fresh server process. One attacker on 127.0.0.1 does what the
attack names, bounded in count and time; meanwhile a well-behaved client in another process calls
\`echo\` every 5 ms on a fresh connection (a call fails on an error or after 2 s).
Heap and RSS are read in the server after a garbage collection: before the attack, while the
attacker still holds what it opened (held), and after it let go. FDs are the server process's open
file descriptors (\`/proc/<pid>/fd\`); peak is its highest RSS (\`VmHWM\`). Kernel TCP is the
growth of the machine's TCP buffer memory while the attack held on: where unread answers wait
before the server's own buffers fill. Sessions / sockets are the server's own counters while the
attack held on (on Redis, the sessions this instance holds in memory; Redis's own memory is in the
note). — means the server did not answer (it had died).
The last column names the limit of \`shared/limits.ts\` that should stop the attack.

${sections.join('\n\n')}
`;
}

// ── The run ─────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      only: { type: 'string' },
      attack: { type: 'string' },
      'max-old-space-size': { type: 'string', default: '256' },
    },
  });
  const heapMb = Number(values['max-old-space-size']);
  const wanted = values.only?.split(',');
  let stages = STAGES.filter((stage) => !wanted || wanted.includes(stage.id));
  if (stages.some((stage) => stage.redis) && !isRedisServerInstalled()) {
    console.warn(`Leaving out stage 03 on Redis: ${REDIS_INSTALL_HINT}`);
    stages = stages.filter((stage) => !stage.redis);
  }
  const attacks = ATTACKS.filter((attack) => !values.attack || attack.id.includes(values.attack));

  const client = new GoodClient();
  const redis = stages.some((stage) => stage.redis) ? await startRedisServer() : undefined;
  const rows: Row[] = [];
  const started = Date.now();
  try {
    for (const stage of stages) {
      for (const attack of attacks.filter((a) => a.appliesTo(stage))) {
        const attackStarted = Date.now();
        process.stderr.write(`${stage.title}: ${attack.id}…`);
        rows.push(
          await attackOnce(stage, attack, {
            quick: values.quick,
            heapMb,
            redis: stage.redis ? redis : undefined,
            client,
          }),
        );
        process.stderr.write(` ${((Date.now() - attackStarted) / 1000).toFixed(1)} s\n`);
      }
    }
  } finally {
    client.close();
    await redis?.stop();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const machine =
    `Measured on ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; ` +
    `servers started with \`--max-old-space-size=${heapMb}\`; ${values.quick ? 'quick counts' : 'full counts'}; ` +
    `the run took ${seconds} s`;
  const command = `npm run lab:abuse -- ${values.quick ? '--quick ' : ''}--write`;
  const document = abuseDocument(rows, machine, command);
  console.log(document);
  if (values.write) await writeFile(ABUSE_FILE, document);
}

await main();
