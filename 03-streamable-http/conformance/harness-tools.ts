/**
 * The tools the official MCP conformance suite (`@modelcontextprotocol/conformance`)
 * calls when it tests a server, for its 2025-11-25 scenarios.
 *
 * Why this file exists: the suite's server scenarios do not test whatever
 * tools a server happens to have; they call tools with fixed names and check
 * fixed outputs (`test_simple_text` must return text, `test_image_content` an
 * image, and so on). Stage 03's conformance server serves these so the suite
 * can exercise the transport. They are not course demo tools, and no chapter
 * teaches them.
 *
 * Not here, because the server core cannot serve them (see
 * expected-failures-2025-11-25.yaml): `test_sampling` and `test_elicitation`
 * need a request from server to client in the middle of a call, and
 * `test_tool_with_logging` needs `logging/setLevel` and `notifications/message`.
 * @see https://github.com/modelcontextprotocol/conformance/blob/main/src/scenarios/server/tools.ts
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonObject } from '../../shared/jsonrpc.ts';
import type { CallToolResult, ContentBlock, Tool } from '../../shared/tools.ts';

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

/** The 2025-11-25 harness tools the server core can serve. */
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
];
