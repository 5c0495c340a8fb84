// The demo tools: a deterministic data set, schema defaults, progress per page, a prompt stop on abort.
import { describe, expect, it } from 'vitest';
import { ISSUES_PER_PAGE, createDemoTools, generateIssue } from './demo-tools.ts';
import { ToolRegistry, type ToolContext } from '../protocol/tools.ts';

function context(signal = new AbortController().signal) {
  const progress: Array<[number, number | undefined, string | undefined]> = [];
  const ctx: ToolContext = { signal, sendProgress: (p, t, m) => progress.push([p, t, m]) };
  return { ctx, progress };
}

describe('search_issues', () => {
  it('generates the same issue for the same number, every time', () => {
    expect(generateIssue(17)).toEqual(generateIssue(17));
    expect(generateIssue(17)).not.toEqual(generateIssue(18));
    expect(generateIssue(1).key).toBe('DEMO-1');
  });

  it('fills in the schema defaults: 10 pages, 300 ms per page', () => {
    const { tools } = createDemoTools();
    const registry = new ToolRegistry(tools);
    expect(registry.checkArguments('search_issues', { query: 'x' })).toEqual({
      ok: true,
      args: { query: 'x', pages: 10, delayMs: 300 },
    });
  });

  it('refuses unknown fields and out-of-range values, naming each', () => {
    const registry = new ToolRegistry(createDemoTools().tools);
    const check = registry.checkArguments('search_issues', {
      query: 'x',
      delayMs: -1,
      colour: 'red',
    });
    expect(check.ok).toBe(false);
    const message = check.ok ? '' : check.message;
    expect(message).toContain('unknown field "colour"');
    expect(message).toContain('field "delayMs" must be >= 0');
  });

  it('reports "page N of M" after every page and returns every match', async () => {
    const [searchIssues] = createDemoTools().tools;
    const { ctx, progress } = context();
    const result = await searchIssues.run({ query: 'stream', pages: 3, delayMs: 0 }, ctx);
    expect(progress).toEqual([
      [1, 3, 'page 1 of 3'],
      [2, 3, 'page 2 of 3'],
      [3, 3, 'page 3 of 3'],
    ]);
    const expected = Array.from({ length: 3 * ISSUES_PER_PAGE }, (_, i) =>
      generateIssue(i + 1),
    ).filter((issue) => issue.title.includes('stream'));
    expect(result.structuredContent).toEqual({
      query: 'stream',
      pagesSearched: 3,
      matches: expected,
    });
    const [, serialized] = result.content;
    expect(serialized?.type === 'text' && JSON.parse(serialized.text)).toEqual(
      result.structuredContent,
    );
  });

  it('stops within one page when its signal aborts, and counts the start and the abort', async () => {
    const { tools, stats } = createDemoTools();
    const controller = new AbortController();
    const { ctx, progress } = context(controller.signal);
    const run = tools[0].run({ query: 'x', pages: 100, delayMs: 10 }, ctx);
    await expect.poll(() => progress.length, { interval: 5 }).toBeGreaterThanOrEqual(2);
    // Counted at the abort, not assumed: on a busy machine more pages may be done by then.
    const atAbort = progress.length;
    controller.abort();
    await expect(run).rejects.toThrow();
    expect(progress.length).toBeLessThanOrEqual(atAbort + 1);
    expect(stats).toMatchObject({
      searchIssuesStarts: 1,
      searchIssuesCompleted: 0,
      searchIssuesAborted: 1,
    });
    expect(stats.searchIssuesPages).toBe(progress.length);
  });
});

describe('echo', () => {
  it('returns its text', async () => {
    const [, echo] = createDemoTools().tools;
    expect(await echo.run({ text: 'hello' }, context().ctx)).toEqual({
      content: [{ type: 'text', text: 'hello' }],
    });
  });
});
