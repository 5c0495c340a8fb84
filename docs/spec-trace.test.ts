/**
 * The traceability table as a test: docs/spec-trace.md must be what
 * `npm run spec-trace` makes of the rules and the test titles today, every
 * `(spec: <id>)` tag must name a rule, and every MUST must be proven or
 * explained.
 *
 * Teaches: a table of conformance stays true only if something re-derives it.
 * Rename a rule and the tests that cite it fail here; tag a test with a rule
 * that does not exist and this names the file and the title; add a MUST with
 * no test and no reason, and this names the MUST.
 * @module
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ALL_RULES,
  REVISIONS,
  ROOT,
  RULE_FILES,
  TABLE_PATH,
  parseTag,
  renderSpecTrace,
  sectionOf,
  taggedTests,
  testFiles,
  titlesOf,
} from '../lab/spec-trace/trace.ts';

const tests = taggedTests();
const ruleIds = new Set(ALL_RULES.map((rule) => rule.id));

describe('the scanner', () => {
  it('reads one id or several from the tag at the end of a title, and nothing from a title without one', () => {
    expect(parseTag('answers 403 (spec: sse-origin-validated)')).toEqual({
      title: 'answers 403',
      ids: ['sse-origin-validated'],
    });
    expect(parseTag('opens the stream (spec: sse-two-endpoints, sse-endpoint-event)')).toEqual({
      title: 'opens the stream',
      ids: ['sse-two-endpoints', 'sse-endpoint-event'],
    });
    expect(parseTag('answers 403 (and runs nothing)')).toBeUndefined();
    expect(parseTag('(spec: sse-two-endpoints) is not at the end')).toBeUndefined();
  });

  it('finds titles in it, test, it.each and it.skipIf calls, prefixed by their describe blocks as vitest prints them', () => {
    const root = mkdtempSync(join(tmpdir(), 'spec-trace-'));
    try {
      writeFileSync(
        join(root, 'probe.test.ts'),
        [
          "describe('outer', () => {",
          "  describe('inner', () => {",
          "    it('one (spec: a-b)', () => {});",
          '  });',
          "  it.each([1])('two %s (spec: c-d)', () => {});",
          "  it.skipIf(false)('three', () => {});",
          '});',
          'test(`four (spec: e-f, g-h)`, () => {});',
          "expect(x).toBe('not a title (spec: i-j)');",
        ].join('\n'),
      );
      expect(testFiles(root)).toEqual(['probe.test.ts']);
      expect(titlesOf('probe.test.ts', root).map(({ title, kind }) => `${kind}: ${title}`)).toEqual(
        [
          'describe: outer',
          'describe: outer > inner',
          'test: outer > inner > one (spec: a-b)',
          'test: outer > two %s (spec: c-d)',
          'test: outer > three',
          'test: four (spec: e-f, g-h)',
        ],
      );
      expect(taggedTests(root).map(({ title, ids }) => `${title}: ${ids.join(' ')}`)).toEqual([
        'outer > inner > one: a-b',
        'outer > two %s: c-d',
        'four: e-f g-h',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('docs/spec-trace.md', () => {
  it('has a row, or a revision heading, for every link a chapter or README makes into it', () => {
    const table = readFileSync(join(ROOT, TABLE_PATH), 'utf8');
    const anchors = new Set([...table.matchAll(/<a id="([^"]+)"><\/a>/g)].map((match) => match[1]));
    const pages = [
      ...readdirSync(join(ROOT, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .map((name) => `docs/${name}`),
      'README.md',
      '01-plain-http/README.md',
      '02-http-sse/README.md',
      '03-streamable-http/README.md',
    ];
    const broken = pages.flatMap((page) =>
      [...readFileSync(join(ROOT, page), 'utf8').matchAll(/spec-trace\.md#([\w-]+)/g)]
        .map((match) => match[1]!)
        .filter((anchor) => !anchors.has(anchor) && anchor !== '<revision>-<id>')
        .map((anchor) => `${page}: #${anchor}`),
    );
    expect(broken).toEqual([]);
  });

  it('is exactly what `npm run spec-trace` generates from the rules and the test titles', () => {
    const committed = readFileSync(join(ROOT, TABLE_PATH), 'utf8');
    expect(committed, `${TABLE_PATH} is stale: run npm run spec-trace`).toBe(renderSpecTrace());
  });
});

describe('the tags', () => {
  it('every (spec: …) tag in a test title names a rule of lab/spec-trace/', () => {
    const unknown = tests.flatMap(({ file, title, ids }) =>
      ids.filter((id) => !ruleIds.has(id)).map((id) => `${file}: "${title}" names no rule: ${id}`),
    );
    expect(unknown).toEqual([]);
  });

  it('tags sit on tests, never on describe blocks, whose tests would prove nothing in the table', () => {
    const misplaced = testFiles().flatMap((file) =>
      titlesOf(file)
        .filter(({ kind, title }) => kind === 'describe' && parseTag(title) !== undefined)
        .map(({ title, line }) => `${file}:${line}: describe "${title}"`),
    );
    expect(misplaced).toEqual([]);
  });
});

describe('the rules', () => {
  it('every rule id is kebab-case and unique across the rule files', () => {
    const seen = new Map<string, string>();
    const problems = RULE_FILES.flatMap(({ path, rules }) =>
      rules.flatMap(({ id }) => {
        const found: string[] = [];
        if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) found.push(`${path}: ${id} is not kebab-case`);
        const earlier = seen.get(id);
        if (earlier !== undefined) found.push(`${path}: ${id} repeats an id of ${earlier}`);
        seen.set(id, path);
        return found;
      }),
    );
    expect(problems).toEqual([]);
  });

  it('every MUST and MUST NOT has a test that names it, or says why it is not implemented', () => {
    const tested = new Set(tests.flatMap(({ ids }) => ids));
    const unproven = ALL_RULES.filter(
      (rule) => (rule.level === 'MUST' || rule.level === 'MUST NOT') && !tested.has(rule.id),
    )
      .filter((rule) => (rule.notImplemented ?? '').trim() === '')
      .map((rule) => `${rule.id} (${rule.level}): no test names it and it gives no reason`);
    expect(unproven).toEqual([]);
  });

  it("every rule names one or more of its file's revisions, each once, with a section for each", () => {
    const known = new Set(REVISIONS.map(({ revision }) => revision));
    const problems = RULE_FILES.flatMap(({ path, revisions, rules }) =>
      rules.flatMap((rule) => {
        const found: string[] = [];
        if (rule.revisions.length === 0) found.push(`${path}: ${rule.id} names no revision`);
        if (new Set(rule.revisions).size !== rule.revisions.length)
          found.push(`${path}: ${rule.id} names a revision twice`);
        for (const revision of rule.revisions) {
          if (!known.has(revision) || !revisions.includes(revision))
            found.push(`${path}: ${rule.id} names ${revision}, outside ${revisions.join(', ')}`);
          if (!sectionOf(rule, revision))
            found.push(`${path}: ${rule.id} has no section for ${revision}`);
        }
        return found;
      }),
    );
    expect(problems).toEqual([]);
  });

  it('departs on purpose only from a SHOULD or SHOULD NOT, with a reason and a test that pins the departure', () => {
    const tested = new Set(tests.flatMap(({ ids }) => ids));
    const problems = ALL_RULES.filter((rule) => rule.deviates !== undefined).flatMap((rule) => [
      ...(rule.level === 'MUST' || rule.level === 'MUST NOT'
        ? [`${rule.id}: a ${rule.level} is never departed from`]
        : []),
      ...((rule.deviates ?? '').trim() === '' ? [`${rule.id}: a departure without a reason`] : []),
      ...(tested.has(rule.id) ? [] : [`${rule.id}: no test pins the departure`]),
    ]);
    expect(problems).toEqual([]);
  });

  it('every rule says in a few words what it asks, and a reason given is not empty', () => {
    const problems = ALL_RULES.flatMap((rule) => [
      ...(rule.rule.trim() === '' ? [`${rule.id}: no rule text`] : []),
      ...(rule.notImplemented !== undefined && rule.notImplemented.trim() === ''
        ? [`${rule.id}: an empty reason for not implementing it`]
        : []),
    ]);
    expect(problems).toEqual([]);
  });
});
