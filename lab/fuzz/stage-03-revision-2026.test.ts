// Fuzzing stage 03 in revision 2026-07-28: requests whose MCP-Protocol-Version,
// Mcp-Method, Mcp-Name and Mcp-Param-* headers (plain or Base64) agree with the
// body or not, with any _meta (fields missing, of the wrong type, odd versions,
// nested junk), against the server with sessions and the sessionless one. Each
// request carries the verdict the spec owes it (hostile-2026.ts), checked on top
// of oracle.ts's rules; onError must stay silent.
// Replay a failure with the seed and path fast-check prints:
//   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run lab/fuzz/stage-03-revision-2026.test.ts -t '<test name>'
// FUZZ_RUNS=<n> changes how many requests each property sends.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStreamableHttpServer,
  type StreamableHttpServer,
} from '../../03-streamable-http/server.ts';
import { createDemoTools } from '../../shared/demo/demo-tools.ts';
import { ErrorCode, isPlainObject } from '../../shared/protocol/jsonrpc.ts';
import type { World } from './hostile.ts';
import { ROUTED_TOOL, request2026, type Request2026 } from './hostile-2026.ts';
import {
  BugLog,
  FUZZ_TEST_TIMEOUT_MS,
  fuzzParameters,
  probe,
  toolsList2026,
  type Answer,
} from './oracle.ts';

const bugs = new BugLog();
let servers: StreamableHttpServer[];
let worlds: World[];

beforeAll(async () => {
  const tools = [...createDemoTools().tools, ROUTED_TOOL];
  servers = [
    await createStreamableHttpServer({ port: 0, tools, onError: bugs.record }),
    await createStreamableHttpServer({ port: 0, tools, sessionless: true, onError: bugs.record }),
  ];
  worlds = servers.map((server) => ({
    origin: new URL(server.url).origin,
    sessions: [],
    issued: new Map(),
  }));
});
afterAll(() => Promise.all(servers.map((server) => server.close())));

/** The JSON-RPC message that answered: the JSON body, or a stream's last message. */
function finalMessage(answer: Answer): Record<string, unknown> | undefined {
  const text = answer.events
    ? answer.events.filter((event) => event.data !== '').at(-1)?.data
    : answer.body;
  try {
    const message = JSON.parse(text ?? '') as unknown;
    return isPlainObject(message) ? message : undefined;
  } catch {
    return undefined;
  }
}

/** Throws unless the answer is what the request's verdict says it is owed. */
function expectVerdict(request: Request2026, answer: Answer): void {
  const message = finalMessage(answer);
  const error = isPlainObject(message?.error) ? message.error : undefined;
  const owed = (what: string) =>
    new Error(
      `${what} (${request.why.join('; ')}), got ${answer.status} ${JSON.stringify(message)}`,
    );
  switch (request.verdict) {
    case 'mismatch':
      if (answer.status !== 400 || error?.code !== ErrorCode.HeaderMismatch) {
        throw owed('headers that disagree with the body are owed 400 and -32020');
      }
      return;
    case 'unsupported-version':
      if (answer.status !== 400 || error?.code !== ErrorCode.UnsupportedProtocolVersion) {
        throw owed('an unsupported MCP-Protocol-Version is owed 400 and -32022');
      }
      return;
    case 'match':
      if (error?.code === ErrorCode.HeaderMismatch) {
        throw owed('headers that agree with the body were refused as a mismatch');
      }
      if (request.served && (answer.status !== 200 || !isPlainObject(message?.result))) {
        throw owed('a well-formed 2026-07-28 request is owed a 200 and its result');
      }
      return;
    default:
      return;
  }
}

describe('stage 03 in revision 2026-07-28 under hostile requests', () => {
  it(
    'every 2026-07-28 request is refused with 400 and -32020 exactly when a header disagrees with its body (-32022 for an unsupported version), a well-formed one is served, and none gets a 5xx or a hang',
    async () => {
      await fc.assert(
        fc.asyncProperty(request2026, fc.constantFrom(0, 1), async (request, which) => {
          const { answer } = await probe(worlds[which]!, request, bugs, { answersInline: true });
          expectVerdict(request, answer);
        }),
        fuzzParameters(300),
      );
    },
    FUZZ_TEST_TIMEOUT_MS,
  );

  it('still serves a 2026 tools/list after the hostile requests, and never called onError', async () => {
    for (const server of servers) {
      const listed = await fetch(server.url, toolsList2026(1));
      expect(listed.status).toBe(200);
      const body = (await listed.json()) as { result?: { tools?: Array<{ name: string }> } };
      expect(body.result?.tools?.map((tool) => tool.name)).toContain('routed');
    }
    bugs.expectNoneSince(0);
  });
});
