/**
 * How a request's work learns that it should stop: one AbortController per
 * request, aborted by whatever may cancel it (a cancel notification, a closed
 * response, the server shutting down).
 *
 * Teaches: cancellation is plumbing. Each source of "stop" aborts the
 * request's controller; the tool only ever watches one signal. Linking is done
 * by hand rather than with `AbortSignal.any`, which costs a few microseconds
 * and a weak reference per call in Node 20, on every request's hot path.
 * Read next: handshake-state.ts, which keeps the running requests.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/utilities/cancellation
 * @module
 */
import type { ServerResponse } from 'node:http';

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
