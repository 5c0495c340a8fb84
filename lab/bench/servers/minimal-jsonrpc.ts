/**
 * Bench helper, not a server: the least JSON-RPC an MCP server can answer with
 * and still serve `tools/call echo`. No validation library, no sessions, no
 * progress, one message per POST (no batches). Shared by raw-http.ts and
 * express-json.ts, so the two differ only in how they read and write HTTP.
 * Read next: raw-http.ts and express-json.ts, which serve it.
 * @module
 */

/** What to answer: an HTTP status and, unless 202, a JSON body. */
export interface Answer {
  status: number;
  body?: object;
}

const HANDSHAKE_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];

const ECHO_TOOL = {
  name: 'echo',
  description: 'Returns the text.',
  inputSchema: {
    type: 'object',
    properties: { text: { type: 'string' } },
    required: ['text'],
  },
};

const result = (id: unknown, value: object): Answer => ({
  status: 200,
  body: { jsonrpc: '2.0', id, result: value },
});

const error = (status: number, id: unknown, code: number, message: string): Answer => ({
  status,
  body: { jsonrpc: '2.0', id, error: { code, message } },
});

/** Answers one parsed JSON-RPC message. */
export function answer(message: unknown): Answer {
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    return error(400, null, -32600, 'Invalid Request');
  const { id, method, params } = message as { id?: unknown; method?: unknown; params?: unknown };
  // Notifications (notifications/initialized, notifications/cancelled…) and responses: accepted.
  if (id === undefined || typeof method !== 'string') return { status: 202 };
  const args = (typeof params === 'object' && params !== null ? params : {}) as {
    protocolVersion?: unknown;
    name?: unknown;
    arguments?: { text?: unknown };
  };
  switch (method) {
    case 'initialize':
      return result(id, {
        protocolVersion: HANDSHAKE_VERSIONS.includes(args.protocolVersion as string)
          ? args.protocolVersion
          : HANDSHAKE_VERSIONS[0],
        capabilities: { tools: {} },
        serverInfo: { name: 'bench-minimal', version: '1.0.0' },
      });
    case 'ping':
      return result(id, {});
    case 'tools/list':
      return result(id, { tools: [ECHO_TOOL] });
    case 'tools/call': {
      const text = args.arguments?.text;
      if (args.name !== 'echo' || typeof text !== 'string')
        return error(200, id, -32602, 'Invalid params: tools/call echo needs { text: string }');
      return result(id, { content: [{ type: 'text', text }] });
    }
    default:
      return error(200, id, -32601, `Method not found: ${method}`);
  }
}

/** A body that is not JSON. */
export const PARSE_ERROR: Answer = error(400, null, -32700, 'Parse error');
