/**
 * Test fixture: serves a fetch-style handler (the official SDK v2 server's
 * web-standard face) on node:http, for the interop tests and the bench's SDK v2 servers.
 * Read next: sdk-2026-server.fixture.ts, which serves through it.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Serves a fetch-style handler on node:http, streaming its body; a client that hangs up cancels it. */
export async function serveFetch(
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  handler: (request: Request) => Promise<Response>,
): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  const response = await handler(
    new Request(new URL(req.url ?? '/', 'http://127.0.0.1'), {
      method: req.method ?? 'GET',
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  await pipeResponse(response, res);
}

/**
 * Writes a web `Response` to a node:http response as it arrives, chunk by
 * chunk (an SSE answer must not be buffered); a client that hangs up cancels it.
 */
export async function pipeResponse(response: Response, res: ServerResponse): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.on('close', () => void reader.cancel().catch(() => {}));
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      res.write(chunk.value);
    }
  } finally {
    res.end();
  }
}
