/**
 * What every stage's entry points share: knowing whether a file was run
 * directly, listening on loopback, and shutting down cleanly.
 *
 * Teaches: a server module that only *exports* a factory can be imported by
 * tests (on port 0) and by demos, and listens only when run as a program.
 * Binding to 127.0.0.1, not 0.0.0.0, is what the MCP security rules ask of a
 * local server.
 * Read next: http/loopback-server.ts, where a stage's server listens.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#security-warning
 * @module
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The only interface the course's servers listen on. */
export const LOOPBACK = '127.0.0.1';

/**
 * True when the module with this `import.meta.url` is the program being run
 * (`tsx server.ts`), false when it was imported.
 *
 * @example
 * ```ts
 * if (isEntryPoint(import.meta.url)) await main();
 * ```
 */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(script);
  } catch {
    return false;
  }
}

/**
 * Starts listening on 127.0.0.1.
 * @param port 0 picks a free port, as tests do.
 * @returns the port actually bound.
 */
export async function listenOnLoopback(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/**
 * The port from the `PORT` environment variable, or the stage's default.
 * @throws when `PORT` is set to something that is not a port number.
 */
export function portFromEnv(defaultPort: number): number {
  const raw = process.env.PORT;
  if (raw === undefined || raw === '') return defaultPort;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`PORT must be 0-65535, got "${raw}"`);
  return port;
}

/**
 * Closes on SIGINT/SIGTERM: stop accepting, let the closer end open work, exit.
 * A second signal exits at once.
 */
export function closeOnSignals(close: () => Promise<void>): void {
  let closing = false;
  const onSignal = (): void => {
    if (closing) process.exit(1);
    closing = true;
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
