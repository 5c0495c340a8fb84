/**
 * The documentation site as a test: `npm run docs` must build one site in which
 * every export says what it is for, every link in the chapters and the code
 * resolves, and the chapters come in reading order, each stage's API under its
 * own folder.
 *
 * Teaches: documentation that is checked stays true. A chapter that links a
 * renamed file, or an export added without a word about its purpose, fails
 * here, the same way a broken behaviour fails its test. The conversion runs
 * with `typedoc.json` exactly as `npm run docs` reads it; nothing is excused
 * but properties, whose type and name usually say all there is to say.
 * @module
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Application,
  LogLevel,
  Logger,
  ReflectionKind,
  TSConfigReader,
  TypeDocReader,
  type ProjectReflection,
  type Reflection,
} from 'typedoc';

/** Keeps every warning and error typedoc reports, to list them in the assertion. */
class CollectingLogger extends Logger {
  readonly problems: string[] = [];
  override log(message: string, level: LogLevel): void {
    if (level >= LogLevel.Warn) this.problems.push(message);
  }
}

const root = new URL('..', import.meta.url).pathname;

/** Markdown headings (outside code fences) that hold inline code, as a reader sees them: backticks gone. */
function headingsWithCode(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').flatMap((line) => {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced || !/^#{1,6} .*`/.test(line)) return [];
    return [line.replace(/^#+ /, '').replaceAll('`', '')];
  });
}

/** The texts of the links in a rendered page's "On This Page" navigation, tags and entities undone. */
function onThisPage(html: string): string[] {
  const navigation = html.slice(html.indexOf('tsd-page-navigation'));
  return [...navigation.matchAll(/<a href="#[^"]*"[^>]*>(.*?)<\/a>/g)].map((link) =>
    (link[1] ?? '')
      .replace(/<[^>]+>/g, '')
      .replaceAll('&#39;', "'")
      .replaceAll('&quot;', '"')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&'),
  );
}

describe('the docs site', () => {
  let app: Application;
  let logger: CollectingLogger;
  let project: ProjectReflection | undefined;

  beforeAll(async () => {
    app = await Application.bootstrapWithPlugins({}, [new TypeDocReader(), new TSConfigReader()]);
    logger = new CollectingLogger();
    app.logger = logger;
    project = await app.convert();
    if (project) app.validate(project);
  }, 120_000);

  it('documents every export and resolves every link: typedoc reports no warning', () => {
    expect(project).toBeDefined();
    expect(logger.problems).toEqual([]);
  });

  it('excuses nothing but properties: every other kind is checked, no symbol excluded or waved through', () => {
    // Properties are the one kind left out: a comment on `jsonrpc: '2.0'` or
    // `id: RequestId` can only repeat the name and the type. A property that
    // has something to say (a unit, a default, a MUST) still says it, and the
    // interface or class around it is always documented.
    const required = [...app.options.getValue('requiredToBeDocumented')].sort();
    expect(required).toEqual(
      [
        'Accessor',
        'Class',
        'Enum',
        'EnumMember',
        'Function',
        'Interface',
        'Method',
        'TypeAlias',
        'Variable',
      ].sort(),
    );
    expect(app.options.getValue('validation')).toMatchObject({
      notDocumented: true,
      invalidLink: true,
    });
    expect(app.options.getValue('excludeNotDocumented')).toBe(false);
    expect(app.options.getValue('intentionallyNotDocumented')).toEqual([]);
    expect(app.options.getValue('intentionallyNotExported')).toEqual([]);
  });

  it('shows headings with inline code whole in the site navigation, code included', async () => {
    // Typedoc alone drops inline code from a heading's navigation text
    // ("resume with `GET` + `Last-Event-ID`" became "resume with +");
    // docs/typedoc-plugin.mjs puts it back. The site is rendered for real.
    const chapters = readdirSync(join(root, 'docs')).filter((name) => /^\d\d-.*\.md$/.test(name));
    const expected = chapters.flatMap((name) =>
      headingsWithCode(readFileSync(join(root, 'docs', name), 'utf8')),
    );
    expect(expected).toContain('The connection drops: resume with GET + Last-Event-ID');
    const out = mkdtempSync(join(tmpdir(), 'docs-site-'));
    try {
      await app.generateDocs(project!, out);
      const pages = readdirSync(join(out, 'documents')).map((page) =>
        readFileSync(join(out, 'documents', page), 'utf8'),
      );
      const navigation = pages.flatMap(onThisPage);
      for (const heading of expected) expect(navigation).toContain(heading);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  it('lists the chapters in reading order, each stage README and generated table under its chapter, the spec table last', () => {
    const path = (reflection: Reflection) =>
      relative(root, project?.files.getReflectionPath(reflection) ?? '');
    const outline = (project?.documents ?? []).map((chapter) => [
      path(chapter),
      (chapter.children ?? []).map(path),
    ]);
    expect(outline).toEqual([
      ['docs/00-introduction.md', []],
      ['docs/01-plain-http.md', ['01-plain-http/README.md']],
      ['docs/02-http-sse.md', ['02-http-sse/README.md']],
      ['docs/03-streamable-http.md', ['03-streamable-http/README.md']],
      ['docs/04-side-by-side.md', ['docs/comparison.md']],
      ['docs/05-performance.md', ['docs/performance.md']],
      ['docs/06-scale-out.md', ['docs/abuse.md']],
      ['docs/07-from-seed-to-spec.md', []],
      ['docs/spec-trace.md', []],
    ]);
  });

  it('groups the API by folder: the three stages in order, then lab/ and shared/', () => {
    const folders = (project?.getChildrenByKind(ReflectionKind.Module) ?? []).map(
      (module) => module.name.split('/')[0],
    );
    expect([...new Set(folders)]).toEqual([
      '01-plain-http',
      '02-http-sse',
      '03-streamable-http',
      'lab',
      'shared',
    ]);
  });
});
