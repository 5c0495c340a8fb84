// What parseJsonRpc owes each kind of body: the message, or the exact JSON-RPC error.
import { describe, expect, it } from 'vitest';
import { ErrorCode, checkMessage, parseJsonRpc } from './jsonrpc.ts';

const single = { allowBatch: false };

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
    expect(parseJsonRpc('[]', { allowBatch: true })).toMatchObject({
      ok: false,
      error: { error: { code: ErrorCode.InvalidRequest } },
    });
  });

  it('checks each batch entry on its own', () => {
    const parsed = parseJsonRpc('[{"jsonrpc":"2.0","id":1,"method":"ping"}, 5]', {
      allowBatch: true,
    });
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
