/**
 * How the bench opens a handshake-era session on a server: `initialize`, then
 * `notifications/initialized`; every later request carries the session id.
 * Read next: load.ts, which opens sessions this way before it measures.
 * @module
 */

const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

/** Opens a session on the MCP endpoint `url`; returns its `Mcp-Session-Id`. */
export async function openSession(url: string, clientName = 'bench'): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: clientName, version: '1' },
      },
    }),
  });
  const sessionId = response.headers.get('mcp-session-id');
  await response.text();
  if (!sessionId)
    throw new Error(`${url}: initialize gave no Mcp-Session-Id (HTTP ${response.status})`);
  const initialized = await fetch(url, {
    method: 'POST',
    headers: { ...HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await initialized.text();
  return sessionId;
}
