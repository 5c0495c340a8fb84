/**
 * A stage 02 session held open for a fuzz run: its `GET /sse` stream read in
 * the background, so the fuzzer can post to a real session id and look at
 * what the stream carried.
 *
 * Teaches: that in HTTP+SSE the session is the stream. Stop reading it and the
 * server ends the session; keep reading and every answer to every POST shows
 * up here, not in the POST's response.
 * Read next: ../../02-http-sse/sessions.ts, the server's side; stage-02.test.ts, which uses this.
 * @module
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { HANG_MS } from './oracle.ts';

/** A stage 02 session kept open by reading its stream. */
export interface OpenSseSession {
  /** The session id the `endpoint` event names. */
  id: string;
  /** Every event read so far, in order. */
  events: EventSourceMessage[];
  /** Resolves with the first event `match` accepts (bounded against a hang). */
  next(match: (event: EventSourceMessage) => boolean): Promise<EventSourceMessage>;
  /** Stops reading: the server ends the session. */
  close(): void;
}

/**
 * Opens `GET /sse` and keeps reading it in the background until `close()`.
 *
 * @example
 * ```ts
 * const session = await openSseSession(server.url);
 * await fetch(`${origin}/message?sessionId=${session.id}`, { method: 'POST', ... });
 * const answer = await session.next((event) => event.event === 'message');
 * ```
 */
export async function openSseSession(url: string): Promise<OpenSseSession> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { Accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const events: EventSourceMessage[] = [];
  const waiters = new Set<() => void>();
  const parser = createParser({
    onEvent: (event) => {
      events.push(event);
      for (const wake of waiters) wake();
    },
  });
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
    } catch {
      // closed by close()
    }
  })();
  const next = (match: (event: EventSourceMessage) => boolean) =>
    new Promise<EventSourceMessage>((resolve, reject) => {
      const check = () => {
        const found = events.find(match);
        if (!found) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no such event within ${HANG_MS} ms (a hang)`));
      }, HANG_MS);
      waiters.add(check);
      check();
    });
  const endpoint = await next((event) => event.event === 'endpoint');
  const id = new URLSearchParams(endpoint.data.split('?')[1]).get('sessionId') ?? '';
  return { id, events, next, close: () => controller.abort() };
}
