/**
 * Turns a recording into Mermaid `sequenceDiagram` source: a solid arrow for
 * each request, a dashed one for each response, a dashed open arrow for each
 * SSE event, and notes for what an arrow cannot show (a cut, a stream closed
 * after its answer, what the server counted).
 *
 * Teaches: how to draw what happened on several connections at once as one
 * sequence that is the same on every run. The proxy numbers what it sees, but
 * two sockets can be read in either order, so the diagram only trusts orders
 * that causality fixes: a response without a stream (a `202`, a JSON answer)
 * is drawn right after its request, and a stream's close right after the last
 * thing the stream carried. Every other arrow keeps the proxy's order, which
 * a cause always precedes (a request reaches the proxy before its answer can
 * leave the server). No timings are drawn: they differ on every run.
 * Read next: render-diagram.ts, which draws the source as text or SVG.
 * @see https://mermaid.js.org/syntax/sequenceDiagram.html
 * @module
 */
import { STATUS_CODES } from 'node:http';
import { checkMessage, type RequestId } from '../../shared/protocol/jsonrpc.ts';
import { MessageSummaries } from './message-summary.ts';
import { Placeholders } from './placeholders.ts';
import type { RecordedExchange, RecordedStreamItem } from './recording-proxy.ts';

/** What a diagram is drawn from. */
export interface Recording {
  /** The exchanges the proxy recorded, in the order their requests arrived. */
  exchanges: readonly RecordedExchange[];
  /** Facts from outside the wire (the server's counters, what the client got), drawn as closing notes. */
  facts: readonly string[];
}

/**
 * The request headers a diagram shows. `Content-Type` and `Accept` are
 * recorded but not drawn: every POST sends the same pair.
 */
const SHOWN_REQUEST_HEADERS = [
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
  'mcp-method',
  'mcp-name',
];

/** How the spec spells each header (HTTP names are case-insensitive; readers are not). */
const HEADER_SPELLING: Record<string, string> = {
  'mcp-session-id': 'Mcp-Session-Id',
  'mcp-protocol-version': 'MCP-Protocol-Version',
  'last-event-id': 'Last-Event-ID',
  'mcp-method': 'Mcp-Method',
  'mcp-name': 'Mcp-Name',
};

/** One line of the diagram, placed by the observation it belongs to. */
interface Step {
  /** The proxy's number for the observation; `after` orders steps tied to the same one. */
  seq: number;
  after: number;
  draw(): string[];
}

/**
 * The Mermaid source of a recording, with random ids and ports replaced by
 * placeholders, so the same scenario gives the same text.
 *
 * @example
 * ```ts
 * const source = toSequenceDiagram({ exchanges: proxy.exchanges, facts: [] });
 * // sequenceDiagram
 * //   participant Client
 * //   participant Server
 * //   Client->>Server: POST /mcp<br/>initialize (id 1)
 * //   …
 * ```
 */
export function toSequenceDiagram(recording: Recording): string {
  const drawing = new Drawing(recording.exchanges);
  const steps = recording.exchanges.flatMap((exchange) => drawing.steps(exchange));
  steps.sort((a, b) => a.seq - b.seq || a.after - b.after);
  const lines = ['sequenceDiagram', '  participant Client', '  participant Server'];
  for (const step of steps) lines.push(...step.draw().map((line) => `  ${line}`));
  for (const fact of recording.facts) lines.push(`  ${note(fact)}`);
  return `${lines.join('\n')}\n`;
}

/** The state a drawing carries from arrow to arrow: summaries, placeholders, open requests. */
class Drawing {
  readonly #summaries = new MessageSummaries();
  readonly #placeholders = new Placeholders();
  /** Requests drawn and not yet answered, by id. */
  readonly #pending = new Set<RequestId>();

  constructor(exchanges: readonly RecordedExchange[]) {
    // Learn every random id's role first, so the first appearance already gets its name.
    for (const exchange of exchanges) {
      const sessionId = new URL(exchange.path, 'http://trace').searchParams.get('sessionId');
      if (sessionId) this.#placeholders.learn(sessionId, 'session');
      for (const headers of [exchange.requestHeaders, exchange.response?.headers ?? {}]) {
        if (headers['mcp-session-id'])
          this.#placeholders.learn(headers['mcp-session-id'], 'session');
      }
      for (const item of exchange.stream) {
        if (item.kind === 'event' && item.id?.includes('/')) {
          this.#placeholders.learn(item.id.slice(0, item.id.lastIndexOf('/')), 'stream');
        }
      }
    }
  }

  steps(exchange: RecordedExchange): Step[] {
    const { response, stream, end } = exchange;
    const steps: Step[] = [{ seq: exchange.seq, after: 0, draw: () => this.#request(exchange) }];
    const streamed = response?.headers['content-type']?.startsWith('text/event-stream') ?? false;
    if (response && !streamed) {
      steps.push({ seq: exchange.seq, after: 1, draw: () => this.#response(response) });
    } else if (response) {
      steps.push({ seq: response.seq, after: 0, draw: () => this.#response(response) });
    }
    for (const item of stream)
      steps.push({ seq: item.seq, after: 0, draw: () => this.#item(item) });
    if (end) {
      const last = Math.max(exchange.seq, response?.seq ?? 0, ...stream.map((item) => item.seq));
      steps.push({ seq: last, after: 2, draw: () => this.#end(exchange, streamed) });
    }
    return steps;
  }

  #request(exchange: RecordedExchange): string[] {
    // One header a line keeps the diagram narrow enough for a terminal.
    const headers = SHOWN_REQUEST_HEADERS.concat(
      Object.keys(exchange.requestHeaders).filter((name) => name.startsWith('mcp-param-')),
    )
      .filter((name) => exchange.requestHeaders[name] !== undefined)
      .map((name) => `${spell(name)}: ${exchange.requestHeaders[name]}`);
    this.#trackRequests(exchange.requestBody);
    const body = this.#summaries.ofBody(exchange.requestBody);
    return [
      this.#arrow('Client->>Server', [`${exchange.method} ${exchange.path}`, ...headers, body]),
    ];
  }

  #response(response: NonNullable<RecordedExchange['response']>): string[] {
    const type = response.headers['content-type']?.split(';')[0];
    const status = `${response.status} ${STATUS_CODES[response.status] ?? ''}`.trim();
    const session = response.headers['mcp-session-id'];
    const servedBy = response.headers['x-served-by'];
    this.#trackAnswers(response.body);
    return [
      this.#arrow('Server-->>Client', [
        type ? `${status} · ${type}` : status,
        // Behind the balancer (--instances): which process answered.
        servedBy ? `served by ${servedBy}` : undefined,
        session ? `Mcp-Session-Id: ${session}` : undefined,
        this.#summaries.ofBody(response.body),
      ]),
    ];
  }

  #item(item: RecordedStreamItem): string[] {
    if (item.kind === 'comment') return [this.#arrow('Server--)Client', [`comment: ${item.text}`])];
    if (item.kind === 'retry') return [this.#arrow('Server--)Client', [`retry: ${item.retry}`])];
    this.#trackAnswers(item.data);
    const fields = [
      item.event === undefined ? undefined : `event: ${item.event}`,
      item.id === undefined ? undefined : `id: ${item.id}`,
      item.retry === undefined ? undefined : `retry: ${item.retry}`,
      // An id with empty data is a priming event: a place to resume from, nothing to deliver.
      item.data === '' ? 'no data (priming event)' : this.#summaries.ofEventData(item.data),
    ];
    return [this.#arrow('Server--)Client', [fields.filter(Boolean).join(' · ')])];
  }

  #end(exchange: RecordedExchange, streamed: boolean): string[] {
    const by = exchange.end?.by;
    const answered = exchange.stream.some(
      (item) => item.kind === 'event' && answersARequest(item.data),
    );
    // A standalone stream (GET without Last-Event-ID) serves no one request.
    const standalone = exchange.method === 'GET' && !exchange.requestHeaders['last-event-id'];
    // Who closed a stream that delivered its answer is a race (the server ends it, the client
    // stops reading), so the diagram draws the outcome, which is the same every run.
    if (streamed && answered && !standalone) return [this.#note('stream closed after the answer')];
    if (by === 'complete') {
      if (!streamed) return [];
      return [this.#note(standalone ? 'server ends the stream' : 'stream ended with no answer')];
    }
    const pending = [...this.#pending].map((id) => `${this.#summaries.methodOf(id)} (id ${id})`);
    if (by === 'server') return [this.#note('server closed the connection')];
    if (pending.length === 0) return [this.#note('client closes the stream')];
    return [this.#note(`connection cut by client, unanswered: ${pending.join(', ')}`)];
  }

  /** A Mermaid message line, one label line per part; absent parts are dropped. */
  #arrow(kind: string, parts: Array<string | undefined>): string {
    const lines = parts
      .filter((part): part is string => Boolean(part))
      .map((line) => escapeText(this.#placeholders.replace(line)));
    return `${kind}: ${lines.join('<br/>')}`;
  }

  #note(text: string): string {
    return note(this.#placeholders.replace(text));
  }

  #trackRequests(body: string): void {
    for (const message of messagesIn(body)) {
      if ('method' in message && 'id' in message) this.#pending.add(message.id);
    }
  }

  #trackAnswers(body: string): void {
    for (const message of messagesIn(body)) {
      if (!('method' in message) && message.id !== null) this.#pending.delete(message.id);
    }
  }
}

function note(text: string): string {
  return `Note over Client,Server: ${escapeText(text)}`;
}

/**
 * Mermaid reads `;` as the end of a statement and `#` as the start of an
 * entity, and an HTML renderer reads `<` and `>`; none occurs in the
 * course's traffic, but a label must not break the diagram if one does.
 */
function escapeText(text: string): string {
  return text.replace(/;/g, ',').replace(/#/g, '＃').replace(/</g, '‹').replace(/>/g, '›');
}

function spell(header: string): string {
  return (
    HEADER_SPELLING[header] ??
    header.replace(
      /(^|-)([a-z])/g,
      (_all, dash: string, letter: string) => dash + letter.toUpperCase(),
    )
  );
}

function answersARequest(data: string): boolean {
  return messagesIn(data).some((message) => !('method' in message));
}

function messagesIn(body: string) {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return [];
  }
  return (Array.isArray(value) ? value : [value]).flatMap((item) => {
    const checked = checkMessage(item);
    return checked.ok ? [checked.message] : [];
  });
}
