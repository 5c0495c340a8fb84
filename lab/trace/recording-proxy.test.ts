// The recording proxy changes nothing it forwards: each SSE event reaches the
// client as it is written, and a client's cut reaches the server. And it
// records what the diagrams need: path and query, the MCP headers, each event.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../../shared/cli.ts';
import { formatSseEvent, SSE_HEADERS } from '../../shared/http/sse.ts';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.ts';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** A loopback upstream whose one route is `handle`, and the proxy in front of it. */
async function proxied(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<RecordingProxy> {
  const upstream = createServer(handle);
  const port = await listenOnLoopback(upstream, 0);
  running.push({
    close: () => {
      upstream.closeAllConnections();
      return new Promise((resolve) => upstream.close(() => resolve()));
    },
  });
  const proxy = await startRecordingProxy(`http://127.0.0.1:${port}`);
  running.push(proxy);
  return proxy;
}

/** Reads a streamed body until `text` appears, failing after `ms`. */
async function readUntil(
  reader: ReadableStreamDefaultReader<string>,
  text: string,
  ms = 2_000,
): Promise<string> {
  let seen = '';
  const deadline = AbortSignal.timeout(ms);
  while (!seen.includes(text)) {
    const next = await Promise.race([
      reader.read(),
      new Promise<never>((_resolve, reject) =>
        deadline.addEventListener('abort', () => reject(new Error(`no "${text}" within ${ms} ms`))),
      ),
    ]);
    if (next.done) throw new Error(`the stream ended before "${text}"`);
    seen += next.value;
  }
  return seen;
}

describe('the recording proxy', () => {
  it('forwards each SSE event the moment it is written, long before the stream ends', async () => {
    let writeSecond: () => void = () => {};
    const proxy = await proxied((_req, res) => {
      res.writeHead(200, SSE_HEADERS);
      res.write(formatSseEvent({ event: 'message', id: 's/1', data: '"first"' }));
      // The second event waits until the client has the first: a buffering proxy would deadlock here.
      writeSecond = () =>
        res.end(formatSseEvent({ event: 'message', id: 's/2', data: '"second"' }));
    });
    const response = await fetch(`${proxy.url}/stream`);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect(await readUntil(reader, '"first"')).not.toContain('"second"');
    writeSecond();
    await readUntil(reader, '"second"');
    await proxy.settled();
    expect(proxy.exchanges[0]?.stream.map((item) => item.kind === 'event' && item.id)).toEqual([
      's/1',
      's/2',
    ]);
    expect(proxy.exchanges[0]?.end?.by).toBe('complete');
  });

  it("passes a client's cut on: the server sees its request close, and the recording says who cut", async () => {
    let serverSawClose: () => void = () => {};
    const closed = new Promise<void>((resolve) => (serverSawClose = resolve));
    const proxy = await proxied((_req, res) => {
      res.writeHead(200, SSE_HEADERS);
      res.write(formatSseEvent({ data: '"only"' }));
      res.on('close', () => serverSawClose()); // the stream never ends by itself
    });
    const cut = new AbortController();
    const response = await fetch(`${proxy.url}/stream`, { signal: cut.signal });
    await readUntil(response.body!.pipeThrough(new TextDecoderStream()).getReader(), '"only"');
    cut.abort();
    await closed; // without the proxy passing the cut on, this would hang until the test times out
    await proxy.settled();
    expect(proxy.exchanges[0]?.end?.by).toBe('client');
  });

  it('records the path with its query, the MCP headers, the bodies and each event with its retry', async () => {
    const proxy = await proxied((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { ...SSE_HEADERS, 'Mcp-Session-Id': 'abc', Date: 'not recorded' });
        res.end(formatSseEvent({ id: 's/0', retry: 1000, data: '' }) + ': keep-alive\n\n');
      });
    });
    const response = await fetch(`${proxy.url}/message?sessionId=abc`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'MCP-Protocol-Version': '2025-11-25',
        'X-Other': 'not recorded',
      },
      body: '{"jsonrpc":"2.0","method":"notifications/initialized"}',
    });
    await response.text();
    await proxy.settled();
    const [exchange] = proxy.exchanges;
    expect(exchange).toMatchObject({
      method: 'POST',
      path: '/message?sessionId=abc',
      requestHeaders: { 'content-type': 'application/json', 'mcp-protocol-version': '2025-11-25' },
      requestBody: '{"jsonrpc":"2.0","method":"notifications/initialized"}',
      response: { status: 200, headers: { 'mcp-session-id': 'abc' } },
    });
    expect(Object.keys(exchange?.requestHeaders ?? {})).not.toContain('x-other');
    expect(Object.keys(exchange?.response?.headers ?? {})).not.toContain('date');
    expect(exchange?.stream).toMatchObject([
      { kind: 'event', id: 's/0', retry: 1000, data: '' },
      { kind: 'comment', text: 'keep-alive' },
    ]);
  });
});
