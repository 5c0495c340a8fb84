/**
 * A helper for the interop tests: checks that an official SDK client
 * (`@modelcontextprotocol/sdk` 1.x or `@modelcontextprotocol/client` 2.x) got
 * every progress notification of a call, despite a race in the SDK itself.
 *
 * Why it exists: both SDK clients hand a response to its caller at once but a
 * notification a microtask later (typescript-sdk issue #2580). When the last
 * `notifications/progress` of a call is read in the same chunk as the result,
 * the call settles first, its progress handler is removed, and that
 * notification reaches `client.onerror` as "Received a progress notification
 * for an unknown token" instead of `onprogress`. So the tests count progress
 * on the wire, below the SDK's protocol layer, and accept a missed tail only
 * if each missed notification shows up as exactly one such error.
 * Read next: ../../03-streamable-http/interop-sdk-clients.test.ts, which uses
 * it.
 * @see https://github.com/modelcontextprotocol/typescript-sdk/issues/2580
 * @module
 */
import { expect } from 'vitest';

/**
 * What {@link watchProgress} needs of a client: its `onerror`, which it
 * replaces. Both SDK clients fit.
 */
export interface ErrorReporting {
  onerror?: ((error: Error) => void) | undefined;
}

/**
 * What {@link watchProgress} needs of a connected SDK transport: the
 * `onmessage` the client installed, which it wraps. `Message` and `Extra` are
 * inferred from the SDK's own types, so both SDK transports fit.
 */
export interface MessageDelivering<Message extends object, Extra> {
  onmessage?: ((message: Message, extra?: Extra) => void) | undefined;
}

/** What reached the wire, the handler and `onerror`; see {@link watchProgress}. */
export interface ProgressWatch {
  /** The `progress` of each `notifications/progress`, in the order the transport read them. */
  onWire: unknown[];
  /** The `progress` of each notification that reached {@link ProgressWatch.onprogress}. */
  seen: number[];
  /** Everything the client reported to its `onerror`. */
  errors: Error[];
  /** Pass as the call's `onprogress` option; records into {@link ProgressWatch.seen}. */
  onprogress: (update: { progress: number }) => void;
}

/**
 * Starts recording a client's progress three ways: on the wire (by wrapping
 * the transport's `onmessage`), in the call's `onprogress` handler, and in
 * `client.onerror` (which it replaces). Call it after `client.connect()`.
 *
 * @example
 * ```ts
 * await client.connect(transport);
 * const progress = watchProgress(client, transport);
 * await client.callTool(
 *   { name: 'search_issues', arguments: { query: 'stream', pages: 5 } },
 *   undefined, // SDK v1 only: v2 takes the options second
 *   { onprogress: progress.onprogress },
 * );
 * expectEveryProgressDespiteSdkRace(progress, [1, 2, 3, 4, 5]);
 * ```
 */
export function watchProgress<Message extends object, Extra>(
  client: ErrorReporting,
  transport: MessageDelivering<Message, Extra>,
): ProgressWatch {
  const deliver = transport.onmessage;
  if (!deliver) throw new Error('watchProgress: connect the client to the transport first');
  const watch: ProgressWatch = {
    onWire: [],
    seen: [],
    errors: [],
    onprogress: ({ progress }) => watch.seen.push(progress),
  };
  transport.onmessage = (message, extra) => {
    if ('method' in message && message.method === 'notifications/progress') {
      const params = 'params' in message ? message.params : undefined;
      watch.onWire.push(
        typeof params === 'object' && params !== null && 'progress' in params
          ? params.progress
          : undefined,
      );
    }
    deliver(message, extra);
  };
  client.onerror = (error) => watch.errors.push(error);
  return watch;
}

/**
 * Asserts that the wire carried exactly the `expected` progress values, and
 * that the client lost none of them except to the SDK's race: `onprogress`
 * saw a prefix of them, missing at most the last, and each one it missed was
 * reported to `onerror` as a progress notification for an unknown token, with
 * no other error besides.
 *
 * @example
 * ```ts
 * const progress = watchProgress(client, transport);
 * await client.callTool({ name: 'search_issues', arguments }, { onprogress: progress.onprogress });
 * expectEveryProgressDespiteSdkRace(progress, [1, 2, 3, 4, 5]);
 * ```
 */
export function expectEveryProgressDespiteSdkRace(
  watch: ProgressWatch,
  expected: readonly number[],
): void {
  const { onWire, seen, errors } = watch;
  expect(onWire, 'progress on the wire').toEqual(expected);
  // The race can only cost the tail: the notifications read with the result.
  expect(seen, 'progress that reached onprogress').toEqual(onWire.slice(0, seen.length));
  expect(seen.length, 'progress that reached onprogress').toBeGreaterThanOrEqual(
    expected.length - 1,
  );
  // A progress that missed its handler is reported to onerror, and nothing else is.
  expect(
    errors.map((error) => error.message),
    'errors reported to client.onerror',
  ).toHaveLength(onWire.length - seen.length);
  for (const error of errors) expect(error.message).toMatch(/progress .* unknown token/);
}
