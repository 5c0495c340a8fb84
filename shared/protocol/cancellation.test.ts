// The registry of requests in flight: what notifications/cancelled and a
// session's end find by id, and what they must leave alone.
import { describe, expect, it } from 'vitest';
import { InFlightRequests, cancellationOf } from './cancellation.ts';
import type { JsonObject } from './jsonrpc.ts';

describe('InFlightRequests (handshake-era cancellation, 2024-11-05 to 2025-11-25)', () => {
  it('aborts the running request a cancellation names, with its reason', () => {
    const inFlight = new InFlightRequests();
    const running = new AbortController();
    inFlight.track(7, running);
    expect(inFlight.cancel(7, 'the user gave up')).toBe(true);
    expect(running.signal.reason).toBe('the user gave up');
  });

  it('ignores a cancellation for an unknown or finished request', () => {
    const inFlight = new InFlightRequests();
    const finished = new AbortController();
    inFlight.track(1, finished)?.();
    expect(inFlight.cancel(1, 'too late')).toBe(false);
    expect(inFlight.cancel('never-sent', 'unknown')).toBe(false);
    expect(finished.signal.aborted).toBe(false);
    expect(inFlight.size).toBe(0);
  });

  it('refuses an id that is still running, so the running request keeps it and can still be cancelled', () => {
    const inFlight = new InFlightRequests();
    const first = new AbortController();
    const second = new AbortController();
    const releaseFirst = inFlight.track(1, first);
    expect(inFlight.track(1, second)).toBeUndefined();
    expect(inFlight.cancel(1, 'stop')).toBe(true);
    expect(first.signal.aborted).toBe(true);
    expect(second.signal.aborted).toBe(false);
    releaseFirst?.();
    expect(inFlight.track(1, second)).toBeDefined(); // a finished request's id is free again
  });

  it('aborts every running request when the session ends', () => {
    const inFlight = new InFlightRequests();
    const controllers = [new AbortController(), new AbortController()];
    controllers.forEach((controller, id) => {
      inFlight.track(id, controller);
    });
    expect(inFlight.size).toBe(2);
    inFlight.abortAll('session ended');
    expect(controllers.map((controller): unknown => controller.signal.reason)).toEqual([
      'session ended',
      'session ended',
    ]);
  });
});

describe('cancellationOf', () => {
  it('reads the id and reason of notifications/cancelled, and nothing else', () => {
    const cancel = (params: JsonObject) => ({
      jsonrpc: '2.0' as const,
      method: 'notifications/cancelled',
      params,
    });
    expect(cancellationOf(cancel({ requestId: 3, reason: 'slow' }))).toEqual({
      requestId: 3,
      reason: 'slow',
    });
    expect(cancellationOf(cancel({ requestId: null }))).toBeUndefined();
    expect(cancellationOf({ jsonrpc: '2.0', id: 3, method: 'ping' })).toBeUndefined();
  });
});
