/**
 * How a request's work learns that it should stop: one AbortController per
 * request, aborted by whatever may cancel it (a cancel notification, a closed
 * response, the server shutting down), and the registry that finds a running
 * request by the id a `notifications/cancelled` names.
 *
 * Teaches: cancellation is plumbing. Each source of "stop" aborts the
 * request's controller; the tool only ever watches one signal. Linking is done
 * by hand rather than with `AbortSignal.any`, which costs a few microseconds
 * and a weak reference per call in Node 20, on every request's hot path.
 * Implements: "Cancellation", revisions 2024-11-05 to 2025-11-25 (by id); in
 * 2026-07-28 closing the response stream is the cancellation.
 * Read next: handshake-state.ts (which keeps the registry per session), mcp-server.ts.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/utilities/cancellation
 * @module
 */
import type { ServerResponse } from 'node:http';
import {
  ErrorCode,
  errorResponse,
  isNotification,
  type JsonRpcErrorResponse,
  type JsonRpcMessage,
  type RequestId,
} from './jsonrpc.ts';

/**
 * A controller that aborts when `parent` does. Call `release()` once the work
 * is done, so the parent does not keep a listener for every request it outlived.
 *
 * @example
 * ```ts
 * const { controller, release } = linkedController(shutdown);
 * try { await work(controller.signal); } finally { release(); }
 * ```
 */
export function linkedController(parent: AbortSignal): {
  /** The request's own controller: abort it for a cause that concerns this request only. */
  controller: AbortController;
  /** Unhooks the controller from `parent`; call it when the work is done. */
  release: () => void;
} {
  const controller = new AbortController();
  const forward = (): void => controller.abort(parent.reason);
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  return { controller, release: () => parent.removeEventListener('abort', forward) };
}

/**
 * A signal that aborts when the client closes the response before it is
 * complete, or when `parent` aborts. Where nothing could deliver the answer
 * later (plain HTTP, sessionless mode, revision 2026-07-28), a closed
 * connection is a cancellation.
 *
 * @example
 * ```ts
 * const signal = abortWhenClosed(res, shutdown.signal);
 * ```
 */
export function abortWhenClosed(res: ServerResponse, parent: AbortSignal): AbortSignal {
  const { controller, release } = linkedController(parent);
  res.on('close', () => {
    if (!res.writableFinished) controller.abort('client closed the response');
    release();
  });
  return controller.signal;
}

/** What a `notifications/cancelled` says. */
export interface Cancellation {
  /** The request to stop. */
  requestId: RequestId;
  /** Why, if the client said. */
  reason: string | undefined;
}

/**
 * The request a `notifications/cancelled` names, and why; `undefined` for any
 * other message, or one without a usable `requestId`.
 *
 * @example
 * ```ts
 * cancellationOf({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3 } });
 * // { requestId: 3, reason: undefined }
 * ```
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/utilities/cancellation
 */
export function cancellationOf(message: JsonRpcMessage): Cancellation | undefined {
  if (!isNotification(message) || message.method !== 'notifications/cancelled') return undefined;
  const { requestId, reason } = message.params ?? {};
  if (typeof requestId !== 'string' && typeof requestId !== 'number') return undefined;
  return { requestId, reason: typeof reason === 'string' ? reason : undefined };
}

/**
 * The requests of one connection or session that are still running, by id, so
 * a `notifications/cancelled` (or the session's end) can abort them.
 *
 * @example
 * ```ts
 * const inFlight = new InFlightRequests();
 * const release = inFlight.track(7, controller); // undefined if 7 is still running
 * try { await work(controller.signal); } finally { release?.(); }
 * inFlight.cancel(7, 'the user gave up'); // false: 7 finished, nothing to stop
 * ```
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/utilities/cancellation
 */
export class InFlightRequests {
  readonly #controllers = new Map<RequestId, AbortController>();

  /** How many requests are running right now (a session with any is busy, not idle). */
  get size(): number {
    return this.#controllers.size;
  }

  /**
   * Registers a running request under its id, unless a request with that id
   * is still running: [spec 2025-11-25, basic/index] "The request ID MUST NOT
   * have been previously used by the requestor within the same session."
   * Replacing the running one would leave it impossible to cancel, so the
   * newcomer is refused and the running one keeps its id.
   * @returns the release to call once the request is answered; `undefined`
   *   when the id is taken (answer the newcomer with {@link reusedIdError}).
   */
  track(id: RequestId, controller: AbortController): (() => void) | undefined {
    if (this.#controllers.has(id)) return undefined;
    this.#controllers.set(id, controller);
    return () => {
      if (this.#controllers.get(id) === controller) this.#controllers.delete(id);
    };
  }

  /** True while a request with this id is running: a new request may not use it. */
  has(id: RequestId): boolean {
    return this.#controllers.has(id);
  }

  /**
   * Aborts the request with this id.
   * @returns false when no such request is running: [spec] "The receiver MAY
   *   ignore the cancellation notification" for an unknown or finished one.
   */
  cancel(id: RequestId, reason: string): boolean {
    const controller = this.#controllers.get(id);
    controller?.abort(reason);
    return controller !== undefined;
  }

  /** Aborts every running request, for when the session or connection ends. */
  abortAll(reason: string): void {
    for (const controller of this.#controllers.values()) controller.abort(reason);
  }
}

/**
 * The answer to a request whose id a running request of the same session
 * still holds: -32600, since the request itself is not valid JSON-RPC for
 * this session. The one wording for every transport (stage 02 sends it on its
 * stream, stage 03 with a 400 before the request runs).
 *
 * @example
 * ```ts
 * reusedIdError(7); // { jsonrpc: '2.0', id: 7, error: { code: -32600, message: 'Invalid Request: id 7 …' } }
 * ```
 */
export function reusedIdError(id: RequestId): JsonRpcErrorResponse {
  return errorResponse(
    id,
    ErrorCode.InvalidRequest,
    `Invalid Request: id ${JSON.stringify(id)} belongs to a request of this session that is still running; ` +
      'request ids must not be reused within a session',
  );
}
