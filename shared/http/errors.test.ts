// The one decision about an error body's id: by the revision of the request it answers.
import { describe, expect, it } from 'vitest';
import { ErrorCode, errorResponse } from '../protocol/jsonrpc.ts';
import { errorBodyFor } from './errors.ts';

const unreadable = errorResponse(null, ErrorCode.ParseError, 'Parse error');

describe('errorBodyFor', () => {
  it.each(['2025-11-25', '2026-07-28'] as const)(
    '[schema %s] leaves out the id of a request whose id could not be read (id is optional, and null is no RequestId)',
    (revision) => {
      expect(errorBodyFor(unreadable, revision)).toEqual({
        jsonrpc: '2.0',
        error: { code: ErrorCode.ParseError, message: 'Parse error' },
      });
    },
  );

  it.each(['2024-11-05', '2025-03-26', '2025-06-18'] as const)(
    '[schema %s] keeps id null, JSON-RPC 2.0’s answer, where the schema requires an id',
    (revision) => {
      expect(errorBodyFor(unreadable, revision)).toHaveProperty('id', null);
    },
  );

  it('keeps id null when the revision is unknown: the server then assumes 2025-03-26 (2025-06-18+)', () => {
    expect(errorBodyFor(unreadable, undefined)).toHaveProperty('id', null);
  });

  it.each(['2025-03-26', '2025-11-25', '2026-07-28'] as const)(
    'echoes an id that could be read, in %s',
    (revision) => {
      const body = errorResponse(7, ErrorCode.InvalidRequest, 'Invalid Request');
      expect(errorBodyFor(body, revision)).toHaveProperty('id', 7);
    },
  );
});
