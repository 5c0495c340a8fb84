/**
 * The module headers as a test: every file a learner may open says where to
 * go next, and every file and symbol a header names is really there.
 *
 * Teaches: a pointer in a comment is code that no compiler reads. When a
 * function moves to another file, or a file to another folder, nothing breaks
 * except the sentence that sent the reader to the old place. This test reads
 * the header of every `.ts` file under `shared/`, the three stages and `lab/`
 * (tests excluded: their names already say what they prove) and fails,
 * naming the file and the reference, the moment such a sentence goes stale.
 *
 * The rules it holds the headers to:
 * - the header is the `/** … @module *\/` block the file opens with;
 * - it has a `Read next:` line, which names at least one file, or says that
 *   this file is the last one to read;
 * - every token ending in `.ts` or `.md` (URLs aside) is a path relative to
 *   the file's own folder, so a bare name such as `stream.ts` means the file
 *   beside it, and a file in another folder is named with its relative path
 *   (`../../shared/http/request-metadata.ts`). One rule, the one a reader
 *   and an editor's "go to file" both follow, and no guessing which of
 *   several `server.ts` is meant;
 * - identifiers in parentheses right after a file name
 *   (`handshake-era.ts (handleGet)`) are declared in that file. Parentheses
 *   holding anything else (`client.ts (\`--revision 2026-07-28\`)`) are prose,
 *   but a single word there reads as a symbol: prose in parentheses after a
 *   file name takes more than one word.
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

/** The folders whose modules a learner reads. */
const FOLDERS = ['shared', '01-plain-http', '02-http-sse', '03-streamable-http', 'lab'];

/** Every module under {@link FOLDERS}, as paths relative to the repository root. */
function modules(): string[] {
  return FOLDERS.flatMap((folder) =>
    readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .map((name) => join(folder, name)),
  ).sort();
}

/** The header block's text, its ` * ` margins removed and its lines joined, or undefined without one. */
function headerOf(file: string): string | undefined {
  const source = readFileSync(join(root, file), 'utf8');
  const block = /^\/\*\*([\s\S]*?)\*\//.exec(source)?.[1];
  if (block === undefined || !block.includes('@module')) return undefined;
  return block
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n');
}

/** The header's prose: `@see` lines and URLs, which point outside the repository, left out. */
function prose(header: string): string {
  return header
    .split('\n')
    .filter((line) => !line.startsWith('@see'))
    .join(' ')
    .replace(/https?:\/\/\S+/g, ' ');
}

/** A file a header names, and the symbols it names in parentheses after it. */
interface Reference {
  path: string;
  symbols: string[];
}

const FILE = /(?<![\w./-])((?:\.\.?\/)*[\w-][\w.-]*(?:\/[\w.-]+)*\.(?:ts|md))\b(\s*\(([^()]*)\))?/g;
const IDENTIFIER = /^`?[A-Za-z_$][\w$]*`?$/;

/** Every file reference in a piece of header prose. */
function references(text: string): Reference[] {
  return [...text.matchAll(FILE)].map((match) => {
    const items = (match[3] ?? '').split(',').map((item) => item.trim());
    const symbols = items.every((item) => IDENTIFIER.test(item))
      ? items.map((item) => item.replaceAll('`', ''))
      : [];
    return { path: match[1] ?? '', symbols };
  });
}

/** The names a TypeScript file declares, at any depth: functions, classes, members, variables, types. */
function declaredNames(file: string): Set<string> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) || ts.isDeclarationStatement(node) || isMember(node)) {
      const name = (node as ts.NamedDeclaration).name;
      if (name && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name))) names.add(name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

function isMember(node: ts.Node): boolean {
  return ts.isClassElement(node) || ts.isTypeElement(node) || ts.isPropertyAssignment(node);
}

const headers = modules().map((file) => ({ file, header: headerOf(file) }));

describe('module headers', () => {
  it('every module opens with a header comment that ends in @module', () => {
    const missing = headers.filter(({ header }) => header === undefined).map(({ file }) => file);
    expect(missing).toEqual([]);
  });

  it('every module header has a Read next line that names a file, or says it is the last to read', () => {
    const lacking = headers.flatMap(({ file, header }) => {
      const line = /^Read next:([\s\S]*?)(?:\n\n|\n@|$)/m.exec(header ?? '')?.[1];
      if (line === undefined) return [`${file}: no "Read next:" line`];
      if (references(line).length === 0 && !/\blast\b/.test(line))
        return [`${file}: "Read next:" names no file`];
      return [];
    });
    expect(lacking).toEqual([]);
  });

  it('every file a module header names, Read next included, exists relative to the module', () => {
    const stale = headers.flatMap(({ file, header }) =>
      references(prose(header ?? ''))
        .filter(({ path }) => !existsSync(join(root, dirname(file), path)))
        .map(({ path }) => `${file}: ${path}`),
    );
    expect(stale).toEqual([]);
  });

  it('every symbol a module header names in parentheses after a file is declared in that file', () => {
    const stale = headers.flatMap(({ file, header }) =>
      references(prose(header ?? '')).flatMap(({ path, symbols }) => {
        const target = join(root, dirname(file), path);
        if (symbols.length === 0 || !existsSync(target)) return [];
        const declared = declaredNames(target);
        return symbols
          .filter((symbol) => !declared.has(symbol))
          .map(
            (symbol) => `${file}: ${path} (${symbol}), not declared in ${relative(root, target)}`,
          );
      }),
    );
    expect(stale).toEqual([]);
  });
});
