/**
 * Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`,
 * pinned to 0.2.0-alpha.12) against stage 03: the server with the suite's
 * harness tools, at revision 2025-11-25 (handshake era) and 2026-07-28
 * (per-request), and this stage's client through client-adapter.ts.
 * `npm run 03:conformance` runs it all; conformance.test.ts runs each part as a test.
 *
 * Why a suite the course did not write: "correct by our reading of the spec"
 * is not the same as correct. The suite is the protocol's own referee.
 * Read next: ../../docs/03-streamable-http.md, whose last section reads the
 * suite's verdict.
 * @see https://github.com/modelcontextprotocol/conformance
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isEntryPoint } from '../../shared/cli.ts';
import {
  createStreamableHttpServer,
  type StreamableHttpServerOptions,
} from '../../03-streamable-http/server.ts';
import { HARNESS_TOOLS, RECONNECTION_TOOL_MS } from './harness-tools.ts';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/conformance/dist/index.js',
);
/** On Node 20 the CLI needs this hook to load at all (see node20-glob-hook.mjs). */
const NODE20_HOOK = join(here, 'register-node20-hook.mjs');
const CLIENT_ADAPTER = join(here, 'client-adapter.ts');
/** tsx's loader by absolute URL: the suite runs the client from a scratch directory with no node_modules. */
const TSX_LOADER = import.meta.resolve('tsx');

/** Every run is killed after this long: a hung suite must fail, not stall CI. */
export const RUN_TIMEOUT_MS = 180_000;

/**
 * The harness server's settings. SSE polling is on, closing connections
 * after 250 ms: shorter than `test_reconnection` (500 ms), so the
 * `server-sse-polling` scenario really has to resume, and longer than the
 * progress tool (100 ms), so the other scenarios see whole streams.
 */
export const HARNESS_SERVER: Omit<StreamableHttpServerOptions, 'port'> = {
  tools: HARNESS_TOOLS,
  pollAfterMs: Math.round(RECONNECTION_TOOL_MS / 2),
  retryMs: 100,
  onError: (error) => console.error(error),
};

/** What one run of the suite printed and how it ended. */
export interface ConformanceRun {
  args: string[];
  exitCode: number | null;
  output: string;
}

/** Runs the suite's CLI with `args` in a scratch directory (it writes a `results/` folder there). */
export async function runSuite(args: string[]): Promise<ConformanceRun> {
  const cwd = await mkdtemp(join(tmpdir(), 'mcp-conformance-'));
  try {
    const child = spawn(process.execPath, ['--import', NODE20_HOOK, CLI, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    const exitCode = await new Promise<number | null>((done) =>
      child.on('close', (code) => done(code)),
    );
    clearTimeout(timer);
    return { args, exitCode, output };
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

/** Starts the harness server on a free port, runs `args` with `--url`, stops the server. */
export async function runAgainstServer(args: string[]): Promise<ConformanceRun> {
  const server = await createStreamableHttpServer({ port: 0, ...HARNESS_SERVER });
  try {
    return await runSuite(['server', '--url', server.url, ...args]);
  } finally {
    await server.close();
  }
}

/** The revisions the suite has a frozen requirement set for, one per protocol era. */
export type Revision = '2025-11-25' | '2026-07-28';

/** An empty baseline: with one, the suite fails a run on any WARNING, not only on a FAILURE. */
const STRICT = ['--expected-failures', join(here, 'expected-failures-none.yaml')];

/**
 * A revision's scored requirement set, with the scenarios outside a
 * tools-only server expected to fail (expected-failures-<revision>.yaml).
 * It runs each scenario at the revision's wire: the initialize handshake for
 * 2025-11-25, per-request `_meta` for 2026-07-28.
 */
export function runServerRequirements(revision: Revision): Promise<ConformanceRun> {
  const expected = join(here, `expected-failures-${revision}.yaml`);
  return runAgainstServer(['--requirements', revision, '--expected-failures', expected]);
}

/** One scenario on its own, at one revision's wire (the unscored ones, which must pass outright). */
export function runServerScenario(
  scenario: string,
  specVersion: Revision,
): Promise<ConformanceRun> {
  return runAgainstServer(['--scenario', scenario, '--spec-version', specVersion, ...STRICT]);
}

/** One client scenario: the suite's mock server, this stage's client. */
export function runClientScenario(
  scenario: string,
  specVersion: Revision,
): Promise<ConformanceRun> {
  const command = `${process.execPath} --import ${TSX_LOADER} ${CLIENT_ADAPTER}`;
  return runSuite([
    'client',
    '--command',
    command,
    '--scenario',
    scenario,
    '--spec-version',
    specVersion,
    ...STRICT,
  ]);
}

/**
 * Server scenarios a requirement set does not score (pending in the suite, or
 * added after the revision shipped; its run reports them but cannot fail on
 * them). Stage 03 passes them, so each runs on its own and must pass.
 */
export const UNSCORED_SERVER_SCENARIOS: Readonly<Record<Revision, readonly string[]>> = {
  '2025-11-25': ['server-session-lifecycle', 'server-sse-polling', 'json-schema-2020-12'],
  // SEP-2243 header checks (the second needs test_x_mcp_header), and 2020-12 schemas kept as written.
  '2026-07-28': [
    'http-header-validation',
    'http-custom-header-server-validation',
    'json-schema-2020-12',
  ],
};

/**
 * Client scenarios, each run with this stage's client (client-adapter.ts):
 * every one a revision requires or reports, except authorization (the course
 * has none) and the two that need a client answering `elicitation/create`
 * (`elicitation-sep1034-client-defaults`, `sep-2322-client-request-state`):
 * the course's client declares no elicitation capability.
 */
export const CLIENT_SCENARIOS: Readonly<Record<Revision, readonly string[]>> = {
  '2025-11-25': ['initialize', 'tools_call', 'sse-retry', 'json-schema-2020-12-preservation'],
  '2026-07-28': [
    'tools_call',
    'request-metadata',
    'http-standard-headers',
    'http-custom-headers',
    'http-invalid-tool-headers',
    'json-schema-ref-no-deref',
    'json-schema-2020-12-preservation',
  ],
};

/** One named step of the plan. */
export interface PlanStep {
  name: string;
  run: () => Promise<ConformanceRun>;
}

/** Everything a revision contributes: its requirement set, its unscored server scenarios, its client scenarios. */
function revisionSteps(revision: Revision): PlanStep[] {
  return [
    {
      name: `server --requirements ${revision}`,
      run: () => runServerRequirements(revision),
    },
    ...UNSCORED_SERVER_SCENARIOS[revision].map((scenario) => ({
      name: `server --scenario ${scenario} --spec-version ${revision}`,
      run: () => runServerScenario(scenario, revision),
    })),
    ...CLIENT_SCENARIOS[revision].map((scenario) => ({
      name: `client --scenario ${scenario} --spec-version ${revision}`,
      run: () => runClientScenario(scenario, revision),
    })),
  ];
}

/** Everything `npm run 03:conformance` runs, in order: the handshake era, then 2026-07-28. */
export const PLAN: ReadonlyArray<PlanStep> = [
  ...revisionSteps('2025-11-25'),
  ...revisionSteps('2026-07-28'),
];

if (isEntryPoint(import.meta.url)) {
  let failed = 0;
  for (const step of PLAN) {
    const run = await step.run();
    const passed = run.exitCode === 0;
    if (!passed) failed += 1;
    console.log(
      `\n━━ ${passed ? 'PASS' : 'FAIL'}: conformance ${step.name} (exit ${run.exitCode})\n${run.output.trim()}`,
    );
  }
  console.log(`\n${PLAN.length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}
