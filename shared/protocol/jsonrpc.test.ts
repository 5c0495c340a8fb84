// What parseJsonRpc owes each kind of body: the message, or the exact JSON-RPC error.
import { describe, expect, it } from 'vitest';
import { ErrorCode, checkMessage, parseJsonRpc } from './jsonrpc.ts';
import { DEFAULT_LIMITS, limitRefusal, limitsWith } from '../limits.ts';

const single = { allowBatch: false, limits: DEFAULT_LIMITS } as const;
const batches = { allowBatch: true, limits: DEFAULT_LIMITS } as const;

/** A ping whose params nest `levels` objects below the message itself. */
function nested(levels: number, id: number | string = 1): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"ping","params":${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}}`;
}

describe('parseJsonRpc', () => {
  it('answers a body that is not JSON with -32700 and id null', () => {
    expect(parseJsonRpc('{"jsonrpc":"2.0",', single)).toEqual({
      ok: false,
      batch: false,
      error: {
        jsonrpc: '2.0',
        id: null,
        error: { code: ErrorCode.ParseError, message: 'Parse error: the body is not valid JSON' },
      },
    });
  });

  it('answers an empty body with -32700', () => {
    expect(parseJsonRpc('', single)).toMatchObject({
      ok: false,
      error: { error: { code: -32700 } },
    });
  });

  it.each([
    ['a number', '42'],
    ['a string', '"hello"'],
    ['null', 'null'],
    ['an object without jsonrpc', '{"method":"ping"}'],
    ['a wrong jsonrpc version', '{"jsonrpc":"1.0","method":"ping"}'],
    ['an object with neither method nor id', '{"jsonrpc":"2.0"}'],
  ])('answers %s with -32600 Invalid Request', (_name, body) => {
    expect(parseJsonRpc(body, single)).toMatchObject({
      ok: false,
      error: { id: null, error: { code: ErrorCode.InvalidRequest } },
    });
  });

  it('echoes the id of an invalid request when the id can be read', () => {
    expect(parseJsonRpc('{"jsonrpc":"2.0","id":7,"method":12}', single)).toMatchObject({
      ok: false,
      error: { id: 7, error: { code: ErrorCode.InvalidRequest } },
    });
  });

  it('rejects a request whose id is null, which MCP forbids', () => {
    expect(parseJsonRpc('{"jsonrpc":"2.0","id":null,"method":"ping"}', single)).toMatchObject({
      ok: false,
      error: { id: null, error: { code: ErrorCode.InvalidRequest } },
    });
  });

  it('rejects params that are not an object', () => {
    expect(
      parseJsonRpc('{"jsonrpc":"2.0","id":"a","method":"x","params":[1]}', single),
    ).toMatchObject({
      ok: false,
      error: { id: 'a', error: { code: ErrorCode.InvalidRequest } },
    });
  });

  it('rejects a response that carries both result and error', () => {
    const body = '{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}';
    expect(parseJsonRpc(body, single)).toMatchObject({ ok: false, error: { id: 1 } });
  });

  it.each([
    ['a request', { jsonrpc: '2.0', id: 'r1', method: 'tools/list', params: {} }],
    ['a notification', { jsonrpc: '2.0', method: 'notifications/initialized' }],
    ['a result', { jsonrpc: '2.0', id: 3, result: {} }],
    [
      'an error response with id null',
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'x' } },
    ],
  ])('accepts %s unchanged', (_name, message) => {
    expect(parseJsonRpc(JSON.stringify(message), single)).toEqual({
      ok: true,
      batch: false,
      message,
    });
  });

  it('refuses a batch when batches are not allowed (every revision but 2025-03-26)', () => {
    expect(parseJsonRpc('[{"jsonrpc":"2.0","method":"x"}]', single)).toMatchObject({
      ok: false,
      error: { id: null, error: { code: ErrorCode.InvalidRequest } },
    });
  });

  it('refuses an empty batch even when batches are allowed', () => {
    expect(parseJsonRpc('[]', batches)).toMatchObject({
      ok: false,
      error: { error: { code: ErrorCode.InvalidRequest } },
    });
  });

  it('checks each batch entry on its own', () => {
    const parsed = parseJsonRpc('[{"jsonrpc":"2.0","id":1,"method":"ping"}, 5]', batches);
    expect(parsed).toMatchObject({
      ok: true,
      batch: true,
      entries: [
        { ok: true, message: { id: 1, method: 'ping' } },
        { ok: false, error: { id: null, error: { code: ErrorCode.InvalidRequest } } },
      ],
    });
  });
});

describe('parseJsonRpc and maxJsonDepth', () => {
  it('refuses a message nested 100,000 levels deep with the maxJsonDepth refusal, echoing its id, without overflowing', () => {
    const refusal = limitRefusal('maxJsonDepth', DEFAULT_LIMITS);
    expect(parseJsonRpc(nested(100_000, 'deep'), single)).toEqual({
      ok: false,
      batch: false,
      error: {
        jsonrpc: '2.0',
        id: 'deep',
        error: { code: ErrorCode.InvalidParams, message: refusal.message, data: refusal.data },
      },
    });
  });

  it('counts the message as the first level: maxJsonDepth levels pass, one more is refused', () => {
    const limits = limitsWith({ maxJsonDepth: 5 });
    // The message, params, and three more objects: five levels.
    expect(parseJsonRpc(nested(4), { allowBatch: false, limits })).toMatchObject({ ok: true });
    expect(parseJsonRpc(nested(5), { allowBatch: false, limits })).toMatchObject({
      ok: false,
      error: { id: 1, error: { code: -32602, data: { limit: 'maxJsonDepth', value: 5 } } },
    });
  });

  it('counts arrays as levels too', () => {
    const limits = limitsWith({ maxJsonDepth: 3 });
    const body = '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":[[1]]}}';
    expect(parseJsonRpc(body, { allowBatch: false, limits })).toMatchObject({
      ok: false,
      error: { error: { data: { limit: 'maxJsonDepth' } } },
    });
  });

  it('refuses a whole batch with one entry too deep, with id null', () => {
    const body = `[{"jsonrpc":"2.0","id":1,"method":"ping"},${nested(100_000)}]`;
    expect(parseJsonRpc(body, batches)).toMatchObject({
      ok: false,
      batch: false,
      error: { id: null, error: { code: -32602, data: { limit: 'maxJsonDepth' } } },
    });
  });
});

describe('parseJsonRpc and integer ids beyond the safe range', () => {
  it('refuses the id 9007199254740993 (which JSON.parse reads as ...992) with -32600 and id null, rather than echo another id', () => {
    const parsed = parseJsonRpc('{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}', single);
    expect(parsed).toMatchObject({
      ok: false,
      error: { id: null, error: { code: ErrorCode.InvalidRequest } },
    });
    expect(!parsed.ok && parsed.error.error.message).toContain('safe integer');
  });

  it.each(['9007199254740992', '-9007199254740993', '1e300', '123456789012345678901234567890'])(
    'refuses the id %s',
    (id) => {
      expect(parseJsonRpc(`{"jsonrpc":"2.0","id":${id},"method":"ping"}`, single)).toMatchObject({
        ok: false,
        error: { id: null, error: { code: -32600 } },
      });
    },
  );

  it('accepts the largest safe integers, ±(2^53 - 1), and echoes them exactly', () => {
    for (const id of [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      expect(parseJsonRpc(`{"jsonrpc":"2.0","id":${id},"method":"ping"}`, single)).toMatchObject({
        ok: true,
        message: { id },
      });
    }
  });

  it('refuses a batch entry whose id is beyond the safe range, entry by entry', () => {
    const body =
      '[{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]';
    expect(parseJsonRpc(body, batches)).toMatchObject({
      ok: true,
      entries: [
        { ok: false, error: { id: null, error: { code: -32600 } } },
        { ok: true, message: { id: 2 } },
      ],
    });
  });

  it('refuses a response whose id is beyond the safe range: it could only match the wrong request', () => {
    expect(
      parseJsonRpc('{"jsonrpc":"2.0","id":9007199254740993,"result":{}}', single),
    ).toMatchObject({ ok: false, error: { id: null, error: { code: -32600 } } });
  });
});

describe('checkMessage', () => {
  it('[schema 2025-11-25] reads an error response without an id (optional from 2025-11-25) as one with id null', () => {
    const error = { code: ErrorCode.ParseError, message: 'Parse error' };
    expect(checkMessage({ jsonrpc: '2.0', error })).toEqual({
      ok: true,
      message: { jsonrpc: '2.0', id: null, error },
    });
  });

  it('still rejects a result without an id: only an error may leave it out', () => {
    expect(checkMessage({ jsonrpc: '2.0', result: {} })).toMatchObject({ ok: false });
  });

  it('rejects a fractional id, which is neither a string nor an integer', () => {
    expect(checkMessage({ jsonrpc: '2.0', id: 1.5, method: 'ping' })).toMatchObject({ ok: false });
  });
});
