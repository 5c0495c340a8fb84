/**
 * The tools the official MCP conformance suite (`@modelcontextprotocol/conformance`)
 * calls when it tests a server: for its 2025-11-25 scenarios, and for the
 * diagnostic probes of its 2026-07-28 scenarios (`server-stateless`,
 * `http-custom-header-server-validation`).
 *
 * Why this file exists: the suite's server scenarios do not test whatever
 * tools a server happens to have; they call tools with fixed names and check
 * fixed outputs (`test_simple_text` must return text, `test_image_content` an
 * image, and so on). Stage 03's conformance server serves these so the suite
 * can exercise the transport. They are not course demo tools, and no chapter
 * teaches them.
 *
 * Not here, because the server core cannot serve them (see the
 * expected-failures-*.yaml files): `test_sampling` and `test_elicitation`
 * need a request from server to client in the middle of a call,
 * `test_tool_with_logging` needs `logging/setLevel` and `notifications/message`,
 * and the 2026-07-28 `test_input_required_result_*` tools need input-required
 * results (SEP-2322), which the core does not produce.
 * Read next: run.ts, which serves them to the suite.
 * @see https://github.com/modelcontextprotocol/conformance/blob/main/src/scenarios/server/tools.ts
 * @see https://github.com/modelcontextprotocol/conformance/blob/main/src/scenarios/server/stateless.ts
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonObject } from '../../shared/protocol/jsonrpc.ts';
import type { CallToolResult, ContentBlock, Tool } from '../../shared/protocol/tools.ts';

/** A 1×1 red PNG, the suite's suggested test image. */
export const RED_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

/** A WAV file holding one silent sample: 44-byte header, 8 kHz, mono, 16-bit PCM. */
export const SILENT_WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQIAAAAAAA==';

/**
 * How long `test_reconnection` runs before it answers. The conformance server
 * must close a stream's connection sooner than this (its `pollAfterMs`), so the
 * result is not there yet when the connection ends and the suite has to resume
 * with `Last-Event-ID` to get it.
 */
export const RECONNECTION_TOOL_MS = 500;

const NO_ARGUMENTS = { type: 'object', properties: {}, additionalProperties: false } as const;

function result(...content: ContentBlock[]): CallToolResult {
  return { content };
}

const simpleText: Tool = {
  name: 'test_simple_text',
  description: 'Conformance: returns one text block.',
  inputSchema: NO_ARGUMENTS,
  run: () =>
    Promise.resolve(result({ type: 'text', text: 'This is a simple text response for testing.' })),
};

const imageContent: Tool = {
  name: 'test_image_content',
  description: 'Conformance: returns one image block (a 1x1 red PNG).',
  inputSchema: NO_ARGUMENTS,
  run: () => Promise.resolve(result({ type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' })),
};

const audioContent: Tool = {
  name: 'test_audio_content',
  description: 'Conformance: returns one audio block (a silent WAV).',
  inputSchema: NO_ARGUMENTS,
  run: () => Promise.resolve(result({ type: 'audio', data: SILENT_WAV, mimeType: 'audio/wav' })),
};

const embeddedResource: Tool = {
  name: 'test_embedded_resource',
  description: 'Conformance: returns one embedded text resource.',
  inputSchema: NO_ARGUMENTS,
  run: () =>
    Promise.resolve(
      result({
        type: 'resource',
        resource: {
          uri: 'test://embedded-resource',
          mimeType: 'text/plain',
          text: 'This is an embedded resource content.',
        },
      }),
    ),
};

const multipleContentTypes: Tool = {
  name: 'test_multiple_content_types',
  description: 'Conformance: returns a text, an image and a resource block.',
  inputSchema: NO_ARGUMENTS,
  run: () =>
    Promise.resolve(
      result(
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: JSON.stringify({ test: 'data', value: 123 }),
          },
        },
      ),
    ),
};

const errorHandling: Tool = {
  name: 'test_error_handling',
  description:
    'Conformance: always fails, to show a tool error is a result with isError, not a JSON-RPC error.',
  inputSchema: NO_ARGUMENTS,
  // Thrown on purpose: the core turns it into `isError: true` with the message.
  run: () => Promise.reject(new Error('This tool intentionally returns an error for testing')),
};

const withProgress: Tool = {
  name: 'test_tool_with_progress',
  description: 'Conformance: reports progress 0, 50 and 100 of 100, 50 ms apart.',
  inputSchema: NO_ARGUMENTS,
  async run(_args, { signal, sendProgress }) {
    sendProgress(0, 100);
    await sleep(50, undefined, { signal });
    sendProgress(50, 100);
    await sleep(50, undefined, { signal });
    sendProgress(100, 100);
    return result({ type: 'text', text: 'Reported progress 0, 50 and 100 of 100.' });
  },
};

const reconnection: Tool = {
  name: 'test_reconnection',
  description: `Conformance (SSE polling): answers after ${RECONNECTION_TOOL_MS} ms, later than the conformance server closes the connection, so the client must resume.`,
  inputSchema: NO_ARGUMENTS,
  // Streamed (with event ids) even without a progressToken: the scenario resumes it.
  longRunning: true,
  async run(_args, { signal }) {
    await sleep(RECONNECTION_TOOL_MS, undefined, { signal });
    return result({
      type: 'text',
      text: 'Reconnection test completed successfully. If you received this, the client resumed the stream.',
    });
  },
};

/**
 * The input schema scenario `json-schema-2020-12` expects `tools/list` to
 * return unchanged: `$schema`, `$defs` with an `$anchor`, `allOf`/`anyOf`,
 * `if`/`then`/`else` and `additionalProperties: false`.
 */
export const JSON_SCHEMA_2020_12_INPUT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      $anchor: 'addressDef',
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
} satisfies JsonObject & { type: 'object' };

/** `json_schema_2020_12_tool`: listed so the suite can check its schema comes back unchanged. */
const jsonSchema2020_12Tool: Tool = {
  name: 'json_schema_2020_12_tool',
  description: 'Conformance: a tool whose input schema uses JSON Schema 2020-12 keywords.',
  inputSchema: JSON_SCHEMA_2020_12_INPUT_SCHEMA,
  run: (args) =>
    Promise.resolve(
      result({
        type: 'text',
        text: `JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`,
      }),
    ),
};

// ── Revision 2026-07-28: server-stateless's diagnostic tools, and an x-mcp-header tool ──

/**
 * `test_missing_capability`: needs the client's `sampling` capability, so a
 * 2026-07-28 call whose `_meta` declares no `sampling` is refused by the core
 * with -32021 (HTTP 400) and `data.requiredCapabilities: { sampling: {} }`,
 * before the tool runs. It never samples: the core sends no requests to the client.
 */
const missingCapability: Tool = {
  name: 'test_missing_capability',
  description:
    'Conformance (2026-07-28): requires the sampling client capability; refused with -32021 without it.',
  inputSchema: NO_ARGUMENTS,
  requiredClientCapabilities: { sampling: {} },
  run: () =>
    Promise.resolve(result({ type: 'text', text: 'The client declared the sampling capability.' })),
};

/**
 * `test_streaming_elicitation`: the suite reads its whole response stream and
 * fails if any message on it is a request (in 2026-07-28 a server asks the
 * client for input with an input-required result, never with a request on the
 * stream). The core cannot send requests at all, so the stream holds progress
 * (when the caller asked for it) and the result, nothing else.
 */
const streamingElicitation: Tool = {
  name: 'test_streaming_elicitation',
  description:
    'Conformance (2026-07-28): answers on its response stream with progress and a result, never a request.',
  inputSchema: NO_ARGUMENTS,
  run(_args, { sendProgress }) {
    sendProgress(1, 1); // a no-op unless the caller sent a progressToken
    return Promise.resolve(
      result({
        type: 'text',
        text: 'Streamed without a server-to-client request: no elicitation/create on this stream.',
      }),
    );
  },
};

/**
 * `test_logging_tool`: the suite calls it without `io.modelcontextprotocol/logLevel`
 * in `_meta` and fails on any `notifications/message`. The core has no logging,
 * so it never logs; the tool just answers.
 */
const loggingTool: Tool = {
  name: 'test_logging_tool',
  description:
    'Conformance (2026-07-28): sends no log messages (the request set no logLevel, and the server has no logging).',
  inputSchema: NO_ARGUMENTS,
  run: () =>
    Promise.resolve(result({ type: 'text', text: 'Nothing logged: the request set no logLevel.' })),
};

/**
 * The input schema of `test_x_mcp_header`: one string argument, `region`,
 * that a 2026-07-28 client mirrors into the `Mcp-Param-Region` header.
 */
export const X_MCP_HEADER_INPUT_SCHEMA = {
  type: 'object',
  properties: {
    region: {
      type: 'string',
      description: 'Where to run; mirrored into the Mcp-Param-Region header.',
      'x-mcp-header': 'Region',
    },
  },
  required: ['region'],
  additionalProperties: false,
} satisfies JsonObject & { type: 'object' };

/**
 * `test_x_mcp_header`: the tool scenario `http-custom-header-server-validation`
 * needs. The suite takes the first listed tool with an `x-mcp-header`
 * property (the name is ours, the suite asks for none), and checks that the
 * server accepts matching `Mcp-Param-Region` headers (plain or
 * `=?base64?…?=`), and refuses bad Base64 or a missing header with 400 and
 * -32020. The checks are the transport's (request-metadata.ts); the tool only echoes.
 */
const xMcpHeaderTool: Tool<{ region: string }> = {
  name: 'test_x_mcp_header',
  description:
    'Conformance (2026-07-28): its region argument travels in the Mcp-Param-Region header too.',
  inputSchema: X_MCP_HEADER_INPUT_SCHEMA,
  run: ({ region }) => Promise.resolve(result({ type: 'text', text: `Region: ${region}` })),
};

/** Every harness tool the server core can serve, for both revisions' scenarios. */
export const HARNESS_TOOLS: ReadonlyArray<Tool<never>> = [
  simpleText,
  imageContent,
  audioContent,
  embeddedResource,
  multipleContentTypes,
  errorHandling,
  withProgress,
  reconnection,
  jsonSchema2020_12Tool,
  missingCapability,
  streamingElicitation,
  loggingTool,
  xMcpHeaderTool,
];
