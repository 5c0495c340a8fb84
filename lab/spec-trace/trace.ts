/**
 * The traceability table: joins the rules of the transport specification with
 * the tests that prove them, and writes ../../docs/spec-trace.md.
 * `npm run spec-trace` rewrites the table; running this file with `tsx`, without
 * `--write`, prints it.
 *
 * Teaches: a claim of conformance that is checked. Each rule file lists the
 * MUSTs and SHOULDs of some revisions; each test that proves one says so at
 * the end of its title, as `(spec: <id>)`. This file reads the titles out of
 * every `*.test.ts` (with the TypeScript parser, so a title is exactly what
 * vitest prints), and renders one row per rule and revision: the proving
 * tests, or why there are none. The check, ../../docs/spec-trace.test.ts,
 * fails when the committed table is stale or a tag names no rule.
 * Implements: no transport; the table covers the transport pages of
 * revisions 2024-11-05 to 2026-07-28.
 * Read next: rules-2024-11-05.ts, the rules of stage 02's transport; then
 * ../../docs/spec-trace.md, the table itself.
 * @module
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { isEntryPoint } from '../../shared/cli.ts';
import type { Revision, SpecRule } from './rule.ts';
import { RULES as RULES_2024 } from './rules-2024-11-05.ts';
import { RULES as RULES_2025 } from './rules-2025.ts';
import { RULES as RULES_2026 } from './rules-2026-07-28.ts';

/** The repository's root, where the paths below start. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Where `npm run spec-trace` writes the table, relative to {@link ROOT}. */
export const TABLE_PATH = 'docs/spec-trace.md';

/** Every revision the table covers, oldest first, and what of its transport text it covers. */
export const REVISIONS: ReadonlyArray<{ revision: Revision; covers: string }> = [
  { revision: '2024-11-05', covers: 'HTTP with SSE and its security warning' },
  { revision: '2025-03-26', covers: 'Streamable HTTP and its security warning' },
  { revision: '2025-06-18', covers: 'Streamable HTTP and its security warning' },
  { revision: '2025-11-25', covers: 'Streamable HTTP and its security warning' },
  {
    revision: '2026-07-28',
    covers: 'Streamable HTTP, the transports index and its security text',
  },
];

/** One rule file: its path, the revisions it may cover, and its rules. */
export interface RuleFile {
  /** Relative to {@link ROOT}. */
  path: string;
  /** The only revisions its rules may name. */
  revisions: readonly Revision[];
  rules: readonly SpecRule[];
}

/** The three rule files, oldest revision first. */
export const RULE_FILES: readonly RuleFile[] = [
  { path: 'lab/spec-trace/rules-2024-11-05.ts', revisions: ['2024-11-05'], rules: RULES_2024 },
  {
    path: 'lab/spec-trace/rules-2025.ts',
    revisions: ['2025-03-26', '2025-06-18', '2025-11-25'],
    rules: RULES_2025,
  },
  { path: 'lab/spec-trace/rules-2026-07-28.ts', revisions: ['2026-07-28'], rules: RULES_2026 },
];

/** Every rule of every file, in file order. */
export const ALL_RULES: readonly SpecRule[] = RULE_FILES.flatMap((file) => file.rules);

/** A test's tag: `(spec: <id>)` or `(spec: <id>, <id>)` at the very end of its title. */
export const TAG = /\s*\(spec:\s*([^()]*)\)$/;

/** One `it`/`test` (or `describe`) call found in a test file. */
export interface TestTitle {
  /** The test file, relative to {@link ROOT}, with `/` separators. */
  file: string;
  /** `describe` titles and the test's own, joined with ` > ` as vitest prints them; tag included. */
  title: string;
  /** 1-based line of the call, for messages. */
  line: number;
  /** Whether the call declares a test or a block of them. */
  kind: 'test' | 'describe';
}

/** A test that names one or more rules. */
export interface TaggedTest {
  /** The test file, relative to {@link ROOT}. */
  file: string;
  /** The full title without its tag. */
  title: string;
  /** The rule ids its tag names, in the order written. */
  ids: string[];
}

const SKIPPED_FOLDERS = new Set(['node_modules', 'docs-site', 'test-results', 'coverage']);

/** Every `*.test.ts` under `root`, sorted, dot-folders and {@link SKIPPED_FOLDERS} left out. */
export function testFiles(root: string = ROOT): string[] {
  const found: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.test.ts'))
        found.push(relative(root, path).replaceAll('\\', '/'));
    }
  };
  walk(root);
  return found.sort();
}

/** `it`, `test`, `describe` or `suite` at the root of a callee (`it.each([…])`, `it.skipIf(x)`), if any. */
function calleeKind(callee: ts.Expression): TestTitle['kind'] | undefined {
  let node: ts.Expression = callee;
  for (;;) {
    if (ts.isPropertyAccessExpression(node)) node = node.expression;
    else if (ts.isCallExpression(node)) node = node.expression;
    else break;
  }
  if (!ts.isIdentifier(node)) return undefined;
  if (node.text === 'it' || node.text === 'test') return 'test';
  if (node.text === 'describe' || node.text === 'suite') return 'describe';
  return undefined;
}

/** A title argument's text: a string literal's value, or a template's source between its backticks. */
function titleText(argument: ts.Expression | undefined, source: ts.SourceFile): string | undefined {
  if (argument === undefined) return undefined;
  if (ts.isStringLiteral(argument) || ts.isNoSubstitutionTemplateLiteral(argument))
    return argument.text;
  if (ts.isTemplateExpression(argument)) return argument.getText(source).slice(1, -1);
  return undefined;
}

/** Every test and describe title of one test file, in source order. */
export function titlesOf(file: string, root: string = ROOT): TestTitle[] {
  const text = readFileSync(join(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const titles: TestTitle[] = [];
  const visit = (node: ts.Node, blocks: readonly string[]): void => {
    if (ts.isCallExpression(node)) {
      const kind = calleeKind(node.expression);
      const title = kind && titleText(node.arguments[0], source);
      if (kind && title !== undefined) {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        titles.push({ file, title: [...blocks, title].join(' > '), line, kind });
        if (kind === 'describe') {
          ts.forEachChild(node, (child) => visit(child, [...blocks, title]));
          return;
        }
      }
    }
    ts.forEachChild(node, (child) => visit(child, blocks));
  };
  visit(source, []);
  return titles;
}

/** Splits a title into its text and the ids of its tag; `undefined` for an untagged title. */
export function parseTag(title: string): { title: string; ids: string[] } | undefined {
  const match = TAG.exec(title);
  if (!match) return undefined;
  const ids = (match[1] ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  return { title: title.slice(0, match.index), ids };
}

/** Every tagged test of the repository, file by file in path order, in source order within a file. */
export function taggedTests(root: string = ROOT): TaggedTest[] {
  return testFiles(root).flatMap((file) =>
    titlesOf(file, root).flatMap(({ title, kind }) => {
      const tag = kind === 'test' ? parseTag(title) : undefined;
      return tag ? [{ file, ...tag }] : [];
    }),
  );
}

/** Where a rule is stated in one revision: the path under the revision's specification URL. */
export function sectionOf(rule: SpecRule, revision: Revision): string | undefined {
  return typeof rule.section === 'string' ? rule.section : rule.section[revision];
}

/** The row anchor a chapter links to: `spec-trace.md#<revision>-<id>`. */
export function anchorOf(revision: Revision, id: string): string {
  return `${revision}-${id}`;
}

const isMust = (rule: SpecRule) => rule.level === 'MUST' || rule.level === 'MUST NOT';

/** Backslash-escapes what Markdown would read as markup in a table cell's plain text. */
function plain(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (character) => `\\${character}`);
}

/** A rule's own words in a table cell: its code spans kept, its pipes escaped. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** The "Proven by" cell: the tests that name the rule, file by file, and its reason if it has one. */
function proof(rule: SpecRule, tests: readonly TaggedTest[]): string {
  const proving = tests.filter((test) => test.ids.includes(rule.id));
  // One line per file: the file once, then its tests' titles in quotes.
  const files = [...new Set(proving.map((test) => test.file))];
  const lines = files.map((file) => {
    const titles = proving
      .filter((test) => test.file === file)
      .map((test) => `"${plain(test.title)}"`);
    return `[${file}](../${file}): ${titles.join('; ')}`;
  });
  if (rule.notImplemented !== undefined)
    lines.push(`not implemented: ${cell(rule.notImplemented)}`);
  if (rule.deviates !== undefined) lines.push(`**departs on purpose:** ${cell(rule.deviates)}`);
  if (lines.length === 0) lines.push(isMust(rule) ? '**none**' : 'no test');
  return lines.join('<br>');
}

/** One revision's line of the summary: its rules counted by strength and by how they are proven. */
function summaryRow(
  revision: Revision,
  covers: string,
  rules: readonly SpecRule[],
  tests: readonly TaggedTest[],
) {
  const tested = (rule: SpecRule) => tests.some((test) => test.ids.includes(rule.id));
  const count = (group: readonly SpecRule[]) => {
    const withTest = group.filter(tested).length;
    const notImplemented = group.filter(
      (rule) => !tested(rule) && rule.notImplemented !== undefined,
    ).length;
    return [group.length, withTest, notImplemented, group.length - withTest - notImplemented];
  };
  const must = count(rules.filter(isMust));
  const should = count(rules.filter((rule) => !isMust(rule)));
  return `| [${revision}](#${revision}) | ${covers} | ${[...must, ...should].join(' | ')} |`;
}

/**
 * Renders docs/spec-trace.md from the rules and the tagged tests. Its table
 * rows are left unpadded (the file is in .prettierignore, like the other
 * generated tables): padded to its widest cell, the page would weigh 300 KB.
 */
export function renderSpecTrace(
  rules: readonly SpecRule[] = ALL_RULES,
  tests: readonly TaggedTest[] = taggedTests(),
): string {
  const byRevision = REVISIONS.map(({ revision, covers }) => ({
    revision,
    covers,
    rules: rules.filter((rule) => rule.revisions.includes(revision)),
  }));
  const lines = [
    '---',
    'title: The spec, rule by rule',
    '---',
    '',
    '# The spec, rule by rule',
    '',
    'Generated by `npm run spec-trace` ([`lab/spec-trace/trace.ts`](../lab/spec-trace/trace.ts)); do not',
    'edit by hand. Every normative statement (MUST, MUST NOT, SHOULD, SHOULD NOT) of the HTTP transport',
    'sections of each revision the course covers is one row here: its section of the specification, the',
    'rule in a few words of our own, and the tests that prove it, or, where no test can, why. The rules',
    'themselves are listed in',
    ...RULE_FILES.map(
      ({ path }, index) =>
        `[\`${path.split('/').at(-1)}\`](../${path})${index === RULE_FILES.length - 1 ? '.' : ','}`,
    ),
    '',
    'A test proves a rule by naming it at the end of its title: `(spec: <id>)`, or',
    '`(spec: <id>, <id>)` for several. The table lists the test by its file and its title as vitest',
    'prints it, `describe` blocks included and the tag left out. `npm run spec-trace` reads every',
    'test title again and rewrites this page; [`spec-trace.test.ts`](spec-trace.test.ts) fails when the',
    'page is stale, when a tag names no rule, or when a MUST or MUST NOT has neither a test nor a',
    'reason. A chapter links a row as `spec-trace.md#<revision>-<id>`, e.g.',
    '`spec-trace.md#2024-11-05-sse-endpoint-event`.',
    '',
    '## Summary',
    '',
    '| Revision | Covers | MUST, MUST NOT | with a test | not implemented | neither | SHOULD, SHOULD NOT | with a test | not implemented | no test |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...byRevision.map(({ revision, covers, rules: own }) =>
      summaryRow(revision, covers, own, tests),
    ),
    '',
  ];
  for (const { revision, covers, rules: own } of byRevision) {
    lines.push(`<a id="${revision}"></a>`, '', `## ${revision}: ${covers}`, '');
    if (own.length === 0) {
      lines.push('No rules listed yet.', '');
      continue;
    }
    lines.push(
      '| Rule | Section | Level | Party | The rule, in our words | Proven by |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const rule of own) {
      const section = sectionOf(rule, revision) ?? '';
      const url = `https://modelcontextprotocol.io/specification/${revision}/${section}`;
      const link = `[${section.replace(/^basic\//, '')}](${url})`;
      lines.push(
        `| <a id="${anchorOf(revision, rule.id)}"></a>\`${rule.id}\` | ${link} | ${rule.level} | ${rule.party} | ${cell(rule.rule)} | ${proof(rule, tests)} |`,
      );
    }
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

if (isEntryPoint(import.meta.url)) {
  const table = renderSpecTrace();
  if (process.argv.includes('--write')) {
    writeFileSync(join(ROOT, TABLE_PATH), table);
    console.log(`wrote ${TABLE_PATH}: ${ALL_RULES.length} rules`);
  } else {
    process.stdout.write(table);
  }
}
