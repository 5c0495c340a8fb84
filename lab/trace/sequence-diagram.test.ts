// How a recording becomes a diagram that is the same on every run: random ids
// become numbered placeholders, and the orders two sockets can race on are
// drawn by cause, not by which socket the proxy happened to read first.
import { describe, expect, it } from 'vitest';
import type { RecordedExchange, RecordedStreamItem } from './recording-proxy.ts';
import { toSequenceDiagram } from './sequence-diagram.ts';

const SESSION = '465407be-d20a-4b75-8b06-0f39c40e6b0e';
const STREAM = '9d377ea6-e926-4396-9615-0e72a582e4ca';

function exchange(fields: Partial<RecordedExchange> & { seq: number }): RecordedExchange {
  return {
    method: 'POST',
    path: '/mcp',
    requestHeaders: {},
    requestBody: '',
    response: undefined,
    stream: [],
    end: undefined,
    ...fields,
  };
}

function event(seq: number, data: unknown, id?: string): RecordedStreamItem {
  return { kind: 'event', seq, event: 'message', id, retry: undefined, data: JSON.stringify(data) };
}

const call = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'search_issues' } };
const progress = (n: number) => ({
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progressToken: 3, progress: n, total: 10 },
});
const result = { jsonrpc: '2.0', id: 3, result: { content: [] } };

/** The diagram's arrows and notes, without the header lines. */
function body(exchanges: RecordedExchange[]): string[] {
  return toSequenceDiagram({ exchanges, facts: [] })
    .trimEnd()
    .split('\n')
    .slice(3)
    .map((line) => line.trim());
}

describe('a sequence diagram of a recording', () => {
  it('names session and stream ids by placeholders numbered in order of appearance, whatever their value', () => {
    const draw = (session: string, stream: string) =>
      body([
        exchange({
          seq: 1,
          requestHeaders: { 'mcp-session-id': session },
          requestBody: JSON.stringify(call),
          response: {
            seq: 2,
            status: 200,
            headers: { 'content-type': 'text/event-stream' },
            body: '',
          },
          stream: [event(3, progress(1), `${stream}/1`)],
          end: { seq: 4, by: 'client' },
        }),
        exchange({
          seq: 5,
          method: 'GET',
          requestHeaders: { 'mcp-session-id': session, 'last-event-id': `${stream}/1` },
        }),
      ]);
    const diagram = draw(SESSION, STREAM);
    expect(diagram.join('\n')).not.toMatch(/[0-9a-f]{8}-/);
    expect(diagram).toContain(
      'Server--)Client: event: message · id: {stream-1}/1 · notifications/progress 1/10',
    );
    expect(diagram).toContain(
      'Client->>Server: GET /mcp<br/>Mcp-Session-Id: {session-1}<br/>Last-Event-ID: {stream-1}/1',
    );
    expect(draw(crypto.randomUUID(), crypto.randomUUID())).toEqual(diagram);
  });

  it('draws a 202 right after its POST, even when the proxy read the stream event it caused first', () => {
    // Stage 02: the POST is answered 202 on one socket, its result goes out on the stream's socket.
    const stream = exchange({
      seq: 1,
      method: 'GET',
      path: '/sse',
      response: { seq: 2, status: 200, headers: { 'content-type': 'text/event-stream' }, body: '' },
      stream: [event(4, result)],
    });
    const post = exchange({
      seq: 3,
      path: `/message?sessionId=${SESSION}`,
      requestBody: JSON.stringify(call),
      response: { seq: 5, status: 202, headers: {}, body: '' },
      end: { seq: 6, by: 'complete' },
    });
    expect(body([stream, post]).slice(2)).toEqual([
      'Client->>Server: POST /message?sessionId={session-1}<br/>tools/call search_issues (id 3)',
      'Server-->>Client: 202 Accepted',
      'Server--)Client: event: message · result of tools/call (id 3)',
    ]);
  });

  it('draws a cut right after the last event of its stream, before a request the proxy read first', () => {
    // 2026-07-28: the client cuts, then re-sends at once; the new request may reach the proxy first.
    const cut = exchange({
      seq: 1,
      requestBody: JSON.stringify(call),
      response: { seq: 2, status: 200, headers: { 'content-type': 'text/event-stream' }, body: '' },
      stream: [event(3, progress(1))],
      end: { seq: 5, by: 'client' },
    });
    const resent = exchange({ seq: 4, requestBody: JSON.stringify({ ...call, id: 4 }) });
    expect(body([cut, resent]).slice(3)).toEqual([
      'Note over Client,Server: connection cut by client, unanswered: tools/call (id 3)',
      'Client->>Server: POST /mcp<br/>tools/call search_issues (id 4)',
    ]);
  });

  it('draws the same close after an answer whichever side closed first', () => {
    const answered = (by: 'complete' | 'client') =>
      body([
        exchange({
          seq: 1,
          requestBody: JSON.stringify(call),
          response: {
            seq: 2,
            status: 200,
            headers: { 'content-type': 'text/event-stream' },
            body: '',
          },
          stream: [event(3, result)],
          end: { seq: 4, by },
        }),
      ]);
    expect(answered('client')).toEqual(answered('complete'));
    expect(answered('complete').at(-1)).toBe(
      'Note over Client,Server: stream closed after the answer',
    );
  });
});
