/**
 * One line per JSON-RPC message for a sequence diagram: what the message is
 * (`tools/call search_issues (id 3)`, `notifications/progress 3/10`,
 * `result of tools/call (id 3)`), never its whole body.
 *
 * Teaches: how little of a message a reader of the wire needs to follow an
 * exchange: the method, the id that pairs a response with its request, and
 * the `progressToken` that pairs progress with its call. A response names
 * only its id, so the summary remembers which method each id asked for.
 * Read next: placeholders.ts, the other half of a stable diagram.
 * @see https://www.jsonrpc.org/specification
 * @module
 */
import {
  checkMessage,
  isPlainObject,
  type JsonRpcMessage,
  type RequestId,
} from '../../shared/protocol/jsonrpc.ts';

/** Error messages are cut to this length: the code says what happened, the text only hints. */
const MAX_ERROR_TEXT = 40;

/** Event data that is not JSON is shown as it is, up to this length. */
const MAX_PLAIN_DATA = 60;

/**
 * Summarises the messages of one recording in order, pairing each response
 * with the method of the request it answers.
 *
 * @example
 * ```ts
 * const summaries = new MessageSummaries();
 * summaries.ofBody('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo"}}');
 * // 'tools/call echo (id 3)'
 * summaries.ofBody('{"jsonrpc":"2.0","id":3,"result":{"content":[]}}');
 * // 'result of tools/call (id 3)'
 * ```
 */
export class MessageSummaries {
  /** The method of every request seen, by id: what a response's id stands for. */
  readonly #methodOf = new Map<RequestId, string>();

  /** The method the request with this id asked for, once that request was summarised. */
  methodOf(id: RequestId): string | undefined {
    return this.#methodOf.get(id);
  }

  /**
   * Summarises a body or an SSE event's data: one message, a batch (joined
   * with ` + `), `undefined` for an empty body, or a note that it is no JSON-RPC.
   */
  ofBody(text: string): string | undefined {
    if (text.trim() === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return `(${Buffer.byteLength(text)} bytes, not JSON)`;
    }
    const values = Array.isArray(value) ? value : [value];
    return values.map((item) => this.#ofValue(item)).join(' + ');
  }

  /**
   * Summarises an SSE event's data: JSON-RPC as {@link ofBody} does, anything
   * else as it is (stage 02's `endpoint` event carries a URL, not a message).
   */
  ofEventData(data: string): string {
    try {
      JSON.parse(data);
    } catch {
      return data.length > MAX_PLAIN_DATA ? `${data.slice(0, MAX_PLAIN_DATA - 1)}…` : data;
    }
    return this.ofBody(data) ?? '';
  }

  #ofValue(value: unknown): string {
    const checked = checkMessage(value);
    return checked.ok ? this.ofMessage(checked.message) : '(not a JSON-RPC message)';
  }

  /** Summarises one message. */
  ofMessage(message: JsonRpcMessage): string {
    if ('method' in message) {
      const params = message.params ?? {};
      if ('id' in message) {
        this.#methodOf.set(message.id, message.method);
        return `${message.method}${nameOf(params)} (${requestDetails(message.id, params)})`;
      }
      return `${message.method}${notificationDetails(message.method, params)}`;
    }
    const asked = message.id === null ? undefined : this.#methodOf.get(message.id);
    const of = asked ? ` of ${asked}` : '';
    const id = message.id === null ? 'id null' : `id ${message.id}`;
    if ('error' in message) {
      const text = message.error.message;
      const short = text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT - 1)}…` : text;
      return `error${of} (${id}): ${message.error.code} ${short}`;
    }
    return `result${of} (${id})${resultDetails(message.result)}`;
  }
}

/** `tools/call` names its tool; so do `prompts/get` and the like. */
function nameOf(params: Record<string, unknown>): string {
  return typeof params.name === 'string' ? ` ${params.name}` : '';
}

/** The id, and the progressToken when the request asked for progress. */
function requestDetails(id: RequestId, params: Record<string, unknown>): string {
  const meta = isPlainObject(params._meta) ? params._meta : {};
  const token = meta.progressToken;
  const asksProgress = typeof token === 'string' || typeof token === 'number';
  return asksProgress ? `id ${id}, progressToken ${token}` : `id ${id}`;
}

function notificationDetails(method: string, params: Record<string, unknown>): string {
  if (method === 'notifications/progress' && typeof params.progress === 'number') {
    return typeof params.total === 'number'
      ? ` ${params.progress}/${params.total}`
      : ` ${params.progress}`;
  }
  const { requestId } = params;
  if (method === 'notifications/cancelled' && ['string', 'number'].includes(typeof requestId)) {
    return ` (requestId ${requestId as string | number})`;
  }
  return '';
}

/** What a result decides: the version `initialize` agreed on, a tool's own failure. */
function resultDetails(result: Record<string, unknown>): string {
  if (typeof result.protocolVersion === 'string') return `: ${result.protocolVersion}`;
  if (result.isError === true) return ': isError'; // a tool's failure travels as a result
  return '';
}
