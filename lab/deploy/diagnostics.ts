/**
 * The diagnostics a server process answers over its IPC channel: memory after
 * a garbage collection, CPU time, and the server's counters.
 *
 * Teaches: how to measure a server's memory per client honestly. Clients and
 * server in one process share a heap, so the clients' objects would count as
 * the server's. In its own process, asked over IPC after a GC, the server's
 * heap growth is its own. This is the lab's instrument: the stages' servers
 * carry no such hook; measured-stage.ts wraps them.
 * Read next: measured-stage.ts, then server-process.ts, which asks.
 * @module
 */

/** What a server process reports when its parent asks (see server-process.ts). */
export interface Diagnostics {
  /** `process.memoryUsage()` right after a garbage collection, when `--expose-gc` allows one. */
  memory: NodeJS.MemoryUsage;
  /** `process.cpuUsage()`: CPU time the server process has used so far (µs). */
  cpu: NodeJS.CpuUsage;
  /** The server's own counters (sessions, open sockets, tool runs). */
  counters: Record<string, number>;
}

/**
 * When this process was started with an IPC channel (`child_process.fork`),
 * answers `{ type: 'diagnostics' }` with {@link Diagnostics}. This is how the
 * course measures a server's memory per client from outside it, without the
 * clients' own memory in the figure.
 */
export function answerDiagnostics(counters: () => Record<string, number>): void {
  if (!process.send) return;
  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'diagnostics') return;
    (globalThis as { gc?: () => void }).gc?.();
    const reply: Diagnostics = {
      memory: process.memoryUsage(),
      cpu: process.cpuUsage(),
      counters: counters(),
    };
    process.send?.({ type: 'diagnostics', ...reply });
  });
  // The channel alone must not keep the server alive after it is asked to stop.
  process.channel?.unref();
}
