/**
 * Bench server: the official SDK v1 (@modelcontextprotocol/sdk 1.32), Streamable
 * HTTP with sessions and SSE answers, the SDK's default (enableJsonResponse
 * false): every POSTed request is answered with a text/event-stream carrying
 * one `message` event. Otherwise the same server as sdk-v1-stateful-json.ts;
 * the gap between the two is what an SSE answer costs in the SDK. Needs
 * initialize first, then Mcp-Session-Id on every request.
 * Read next: sdk-v2-handshake.ts, SDK v2 in the handshake era.
 * @module
 */
import { isEntryPoint } from '../../../shared/cli.ts';
import { serveStatefulV1 } from './sdk-v1-stateful-json.ts';

if (isEntryPoint(import.meta.url)) await serveStatefulV1(false);
