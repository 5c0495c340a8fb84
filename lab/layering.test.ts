// The course's layering, proved on imports written to break it (and on some that
// keep it): shared/ is the ground, each stage stands on it alone, stage 03's base
// server knows no Redis, and lab/ runs the stages from outside. The rules live in
// eslint.config.js as `no-restricted-imports` patterns, so `npm test` (which lints
// first) fails on a wrong import with a message that states the broken rule.
//
// Each case lints one line of code as if it were a file at a given path, through
// ESLint's Node API and the repository's own config. The paths need not exist: type
// information is switched off for these lints (a file the TypeScript project does not
// hold cannot be type-checked), which leaves the import rules, which read only the
// specifier, exactly as `eslint .` applies them; the first test checks that.
// Read next: eslint.config.js (the layering objects and why they go per folder depth).
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Each rule by the words its lint message states it in. */
const RULE = {
  shared:
    'nothing in shared/ imports a stage (01-plain-http/, 02-http-sse/, 03-streamable-http/) or lab/',
  stage: 'a stage imports only shared/ and its own folder, never another stage',
  scaleOut: 'in stage 03 nothing outside scale-out/ imports from scale-out/',
  lab: 'nothing outside lab/ imports lab/ library code',
} as const;

const asConfigured = new ESLint({ cwd: ROOT });
const withoutTypes = new ESLint({ cwd: ROOT, overrideConfig: tseslint.configs.disableTypeChecked });

/** The layering messages for `code` linted as the file at `filePath` (relative to the root). */
async function layeringMessages(filePath: string, code: string): Promise<string[]> {
  const [result] = await withoutTypes.lintText(code, { filePath: `${ROOT}${filePath}` });
  const messages = result?.messages ?? [];
  // A parse error or an ignored file would report no import at all; neither may pass for "allowed".
  expect(messages.filter((m) => m.fatal === true || m.ruleId === null)).toEqual([]);
  return messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const importing = (specifier: string) => `import '${specifier}';\n`;

/** Lints `import '<specifier>'` in `filePath` and expects exactly one error, stating `rule`. */
async function expectBroken(filePath: string, code: string, rule: string): Promise<void> {
  expect(await layeringMessages(filePath, code)).toEqual([expect.stringContaining(rule)]);
}

async function expectKept(filePath: string, code: string): Promise<void> {
  expect(await layeringMessages(filePath, code)).toEqual([]);
}

describe('the layering rules are the ones `eslint .` applies', () => {
  it.each([
    'shared/protocol/jsonrpc.ts',
    '01-plain-http/server.ts',
    '03-streamable-http/server.ts',
    '03-streamable-http/scale-out/redis-sessions.ts',
    '03-streamable-http/scale-out/scale-out.test.ts',
    'docs/docs-site.test.ts',
  ])('with type information off, %s gets the same import rules', async (file) => {
    const rule = async (eslint: ESLint) =>
      (
        (await eslint.calculateConfigForFile(`${ROOT}${file}`)) as {
          rules: Record<string, unknown>;
        }
      ).rules['no-restricted-imports'];
    expect(await rule(withoutTypes)).toEqual(await rule(asConfigured));
  });
});

describe('nothing in shared/ imports a stage or lab/', () => {
  it.each([
    ['shared/protocol/probe.ts', '../../01-plain-http/server.ts'],
    ['shared/probe.ts', '../03-streamable-http/server.ts'],
    ['shared/http/probe.ts', '../../03-streamable-http/scale-out/redis-sessions.ts'],
    ['shared/http/probe.ts', '../../lab/support/raw-http.ts'],
    ['shared/demo/probe.test.ts', '../../lab/deploy/balancer.ts'],
  ])('%s may not import %s', async (file, specifier) => {
    await expectBroken(file, importing(specifier), RULE.shared);
  });

  it('shared/ imports shared/', async () => {
    await expectKept('shared/http/probe.ts', importing('../protocol/jsonrpc.ts'));
    await expectKept('shared/probe.ts', importing('./demo/demo-tools.ts'));
  });
});

describe('a stage imports only shared/ and its own folder, never another stage', () => {
  it.each([
    ['01-plain-http/server.ts', '../03-streamable-http/server.ts'],
    ['02-http-sse/sessions.ts', '../01-plain-http/server.ts'],
    ['03-streamable-http/client.ts', '../02-http-sse/client.ts'],
    ['03-streamable-http/scale-out/redis-sessions.ts', '../../02-http-sse/sessions.ts'],
    // Neither a test nor a demo may lean on another stage.
    ['01-plain-http/server.test.ts', '../02-http-sse/server.ts'],
    ['02-http-sse/demo.ts', '../03-streamable-http/client.ts'],
    ['03-streamable-http/scale-out/scale-out.test.ts', '../../01-plain-http/server.ts'],
    // Nor anything else outside its folder.
    ['02-http-sse/server.ts', '../docs/probe.ts'],
    ['01-plain-http/client.ts', '../vitest.config.ts'],
  ])('%s may not import %s', async (file, specifier) => {
    await expectBroken(file, importing(specifier), RULE.stage);
  });

  it('a re-export counts as an import', async () => {
    await expectBroken(
      '01-plain-http/server.ts',
      "export { createServer } from '../03-streamable-http/server.ts';\n",
      RULE.stage,
    );
  });

  it('a stage imports shared/ and its own folder', async () => {
    await expectKept('01-plain-http/server.ts', importing('../shared/protocol/jsonrpc.ts'));
    await expectKept('02-http-sse/server.ts', importing('./sessions.ts'));
    await expectKept(
      '03-streamable-http/scale-out/redis-sessions.ts',
      importing('../../shared/http/sse.ts'),
    );
    await expectKept('03-streamable-http/scale-out/redis-sessions.ts', importing('../sessions.ts'));
    await expectKept(
      '03-streamable-http/scale-out/redis-sessions.ts',
      importing('./followed-stream.ts'),
    );
  });
});

describe('in stage 03 nothing outside scale-out/ imports scale-out/, except the tests and the demo', () => {
  it('the base server imports no Redis code', async () => {
    await expectBroken(
      '03-streamable-http/server.ts',
      importing('./scale-out/redis-sessions.ts'),
      RULE.scaleOut,
    );
  });

  it('a type-only import counts too', async () => {
    const code =
      "import type { RedisSessions } from './scale-out/redis-sessions.ts';\nexport type { RedisSessions };\n";
    await expectBroken('03-streamable-http/sessions.ts', code, RULE.scaleOut);
  });

  it('a stage 03 folder beside scale-out/ may not import it', async () => {
    await expectBroken(
      '03-streamable-http/other/probe.ts',
      importing('../scale-out/server.ts'),
      RULE.scaleOut,
    );
  });

  it('the tests, the demo and scale-out/ itself import scale-out/', async () => {
    await expectKept('03-streamable-http/server.test.ts', importing('./scale-out/server.ts'));
    await expectKept('03-streamable-http/demo.ts', importing('./scale-out/server.ts'));
    await expectKept('03-streamable-http/scale-out/server.ts', importing('./redis-sessions.ts'));
  });
});

describe("nothing outside lab/ imports lab/, except the stages' demos and tests and docs/*.test.ts", () => {
  it.each([
    ['01-plain-http/server.ts', '../lab/support/raw-http.ts'],
    ['02-http-sse/client.ts', '../lab/deploy/balancer.ts'],
    ['03-streamable-http/server.ts', '../lab/deploy/server-process.ts'],
    ['03-streamable-http/scale-out/redis-sessions.ts', '../../lab/deploy/redis-server.ts'],
    ['docs/probe.ts', '../lab/trace/trace.ts'],
    ['probe.ts', './lab/bench/run.ts'],
  ])('%s may not import %s', async (file, specifier) => {
    await expectBroken(file, importing(specifier), RULE.lab);
  });

  it.each([
    ['01-plain-http/server.test.ts', '../lab/support/raw-http.ts'],
    ['02-http-sse/demo.ts', '../lab/deploy/balancer.ts'],
    ['03-streamable-http/scale-out/scale-out.test.ts', '../../lab/deploy/balancer.ts'],
    ['03-streamable-http/scale-out/cluster.ts', '../../lab/deploy/redis-server.ts'],
    ['docs/docs-site.test.ts', '../lab/trace/trace.ts'],
    // lab/ itself runs the stages, so it imports them, scale-out/ included.
    ['lab/side-by-side/columns.ts', '../../03-streamable-http/scale-out/server.ts'],
    ['lab/bench/run.ts', '../deploy/redis-server.ts'],
  ])('%s imports %s', async (file, specifier) => {
    await expectKept(file, importing(specifier));
  });
});
