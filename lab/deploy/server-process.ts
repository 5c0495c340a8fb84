/**
 * Runs a server as a child process, as a learner would in a second terminal,
 * and asks it for diagnostics over an IPC channel (diagnostics.ts).
 *
 * Teaches: how to measure a server's memory per client honestly. Clients and
 * server in one process share a heap, so the clients' objects would count as
 * the server's. In its own process, after a garbage collection, the server's
 * heap growth is its own.
 * Read next: balancer.ts, which puts instances behind one address.
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Diagnostics } from './diagnostics.ts';

/** The wrapper that runs a stage's server with the lab's instruments. */
const MEASURED_STAGE = 'lab/deploy/measured-stage.ts';

/** A server running in a child process. */
export interface ServerProcess {
  /** The URL it printed in its `listening on …` line. */
  url: string;
  /** The server's own process id: where `/proc/<pid>/fd` counts its open file descriptors. */
  pid: number;
  /** Memory after a GC, and the server's counters. */
  diagnostics(): Promise<Diagnostics>;
  /** SIGTERM, then wait for it to exit. */
  stop(): Promise<void>;
  /** SIGKILL: the process dies at once, as in a crash, with no chance to clean up. */
  kill(): Promise<void>;
}

/** How to start the process, beyond its script, environment and arguments. */
export interface ServerProcessOptions {
  /**
   * More Node flags, after the lab's own: `--max-old-space-size=256` runs the
   * server in a heap as small as a container's, where a leak shows as a crash.
   */
  execArgv?: readonly string[];
}

/**
 * Starts `script` with `PORT=0`, and resolves once it prints its `listening
 * on` line. A stage's `server.ts` runs inside measured-stage.ts, which
 * attaches the instruments the stage does not carry; a bench server answers
 * diagnostics itself.
 *
 * @example
 * ```ts
 * const server = await startServerProcess('02-http-sse/server.ts');
 * const { memory, counters } = await server.diagnostics();
 * await server.stop();
 * ```
 */
export async function startServerProcess(
  script: string,
  env: Record<string, string> = {},
  args: readonly string[] = [],
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const stageServer = /^0\d-[^/]+\/(?:[^/]+\/)?server\.ts$/.test(script);
  const [entry, entryArgs] = stageServer
    ? [MEASURED_STAGE, [script, ...args]]
    : [script, [...args]];
  const child = fork(entry, entryArgs, {
    execArgv: ['--import', 'tsx', '--expose-gc', ...(options.execArgv ?? [])],
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} did not start within 20 s`)),
      20_000,
    );
    child.once('exit', (code) =>
      reject(new Error(`${script} exited with code ${code} before listening`)),
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^listening on (\S+)/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return {
    url,
    pid: child.pid!,
    diagnostics: () => askDiagnostics(child),
    stop: () => stopChild(child),
    kill: () => stopChild(child, 'SIGKILL'),
  };
}

function askDiagnostics(child: ChildProcess): Promise<Diagnostics> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no diagnostics within 5 s')), 5_000);
    const onMessage = (message: Diagnostics & { type?: string }): void => {
      if (message.type !== 'diagnostics') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve({ memory: message.memory, cpu: message.cpu, counters: message.counters });
    };
    child.on('message', onMessage);
    // A server that died has no channel: reject, where a send without a callback would throw in this process.
    child.send({ type: 'diagnostics' }, (error) => {
      if (!error) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      reject(error);
    });
  });
}

/**
 * Stops a child process and waits for its exit: SIGTERM, then SIGKILL if it
 * is still there after 5 s; or SIGKILL at once, as in a crash.
 */
export async function stopChild(
  child: ChildProcess,
  signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM',
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.ref(); // a child started unref'd (redis-server) must keep us alive while we wait for it
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
