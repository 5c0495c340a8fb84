/**
 * The course's demo tools: `search_issues`, a slow paged search that reports
 * progress, and `echo`, an instant one.
 *
 * Teaches: why a transport needs a way to talk before the result. A search
 * over many pages of an issue tracker takes seconds; with progress the caller
 * sees "page 3 of 10", without it only silence. The tool stops within one page
 * when its signal aborts, and counts its starts, so the side-by-side tests can
 * show when a transport makes a tool run twice.
 * Implements: "Tools" and "Progress", revisions 2024-11-05 to 2026-07-28.
 * Read next: terminal.ts, which shows the progress these tools report.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/utilities/progress
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Tool } from '../protocol/tools.ts';

/** How many fake issues each page of the search holds. */
export const ISSUES_PER_PAGE = 20;

/** How many matches the text summary lists; `structuredContent` has them all. */
export const SUMMARY_MATCHES = 5;

/** One issue of the generated, deterministic tracker. */
export interface Issue {
  /** `DEMO-` and the issue's number, which also decides its title and status. */
  key: string;
  /** A component and a problem, the text the search matches the query against. */
  title: string;
  /** Only shown, never searched: it makes the results read like a real tracker's. */
  status: 'open' | 'in progress' | 'closed';
}

/** Arguments of `search_issues`, after defaults are applied. */
export interface SearchIssuesArgs {
  /** Text to find in issue titles, ignoring case. */
  query: string;
  /** How many pages to search: the number of progress notifications a call sends (1 to 100). */
  pages: number;
  /** The wait per page, in milliseconds: how long a call takes, and how far apart its progress is. */
  delayMs: number;
}

/**
 * The arguments the stage clients send `search_issues`, with the schema's
 * defaults and the query the demos use.
 *
 * @example
 * ```ts
 * searchIssuesArguments({ pages: 3 }); // { query: 'stream', pages: 3, delayMs: 300 }
 * ```
 */
export function searchIssuesArguments(options: Partial<SearchIssuesArgs> = {}): SearchIssuesArgs {
  return {
    query: options.query ?? 'stream',
    pages: options.pages ?? 10,
    delayMs: options.delayMs ?? 300,
  };
}

/** Counters the demo tools keep, read by tests to see how often a tool really ran. */
export interface DemoToolStats {
  /** How many times `search_issues` has started, whether or not it finished. */
  searchIssuesStarts: number;
  /** How many runs searched every page. */
  searchIssuesCompleted: number;
  /** How many runs stopped early because their signal aborted. */
  searchIssuesAborted: number;
  /** Pages searched by all runs together: what a cancelled run still cost. */
  searchIssuesPages: number;
}

/**
 * The counters of several servers added up: what a deployment of instances did as a whole.
 *
 * @example
 * ```ts
 * sumDemoToolStats([a.stats, b.stats]).searchIssuesStarts; // runs on either instance
 * ```
 */
export function sumDemoToolStats(all: readonly DemoToolStats[]): DemoToolStats {
  const total: DemoToolStats = {
    searchIssuesStarts: 0,
    searchIssuesCompleted: 0,
    searchIssuesAborted: 0,
    searchIssuesPages: 0,
  };
  for (const stats of all)
    for (const key of Object.keys(total) as Array<keyof DemoToolStats>) total[key] += stats[key];
  return total;
}

const COMPONENTS = [
  'transport',
  'session',
  'stream',
  'progress',
  'balancer',
  'auth',
  'schema',
  'client',
];
const PROBLEMS = [
  'times out after 30 seconds',
  'drops events behind nginx',
  'leaks memory per connection',
  'returns 404 after a restart',
  'loses the result on reconnect',
  'runs the tool twice',
  'ignores the cancel request',
  'buffers the whole response',
];
const STATUSES: Issue['status'][] = ['open', 'in progress', 'closed'];

/**
 * The issue with this number (1-based). The same number always gives the same
 * issue, so tests and demos can count on the results.
 *
 * @example
 * ```ts
 * generateIssue(1); // { key: 'DEMO-1', title: 'progress runs the tool twice', status: 'in progress' }
 * ```
 */
export function generateIssue(number: number): Issue {
  // MurmurHash3's finaliser picks the words: deterministic, and spread well enough to read as data.
  let hash = number >>> 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  hash = (hash ^ (hash >>> 16)) >>> 0;
  return {
    key: `DEMO-${number}`,
    title: `${COMPONENTS[hash % COMPONENTS.length]} ${PROBLEMS[(hash >>> 8) % PROBLEMS.length]}`,
    status: STATUSES[(hash >>> 16) % STATUSES.length] ?? 'open',
  };
}

/**
 * Creates the demo tools with their own counters, so that every server
 * instance (and every test) counts only its own calls.
 *
 * @example
 * ```ts
 * const { tools, stats } = createDemoTools();
 * const server = new McpServer({ serverInfo, tools });
 * // ... after a call: stats.searchIssuesStarts === 1
 * ```
 */
export function createDemoTools(): {
  /** `search_issues` and `echo`, ready to hand to a server. */
  tools: [
    Tool<SearchIssuesArgs>,
    Tool<{
      /** What `echo` sends back. */
      text: string;
    }>,
  ];
  /** The counters these two tools update: how often the search started, finished or stopped. */
  stats: DemoToolStats;
} {
  const stats: DemoToolStats = {
    searchIssuesStarts: 0,
    searchIssuesCompleted: 0,
    searchIssuesAborted: 0,
    searchIssuesPages: 0,
  };

  const searchIssues: Tool<SearchIssuesArgs> = {
    name: 'search_issues',
    title: 'Search issues',
    description:
      'Searches a (fake) issue tracker page by page for issues whose title contains the query. ' +
      'Slow on purpose: it waits delayMs per page and reports progress after every page.',
    inputSchema: {
      type: 'object',
      properties: {
        query: {
          type: 'string',
          description: 'Text to look for in issue titles (case-insensitive).',
        },
        pages: {
          type: 'integer',
          minimum: 1,
          maximum: 100,
          default: 10,
          description: 'Pages to search.',
        },
        delayMs: {
          type: 'integer',
          minimum: 0,
          maximum: 10_000,
          default: 300,
          description: 'Simulated latency per page, in milliseconds.',
        },
      },
      required: ['query'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string' },
        pagesSearched: { type: 'integer' },
        matches: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              key: { type: 'string' },
              title: { type: 'string' },
              status: { type: 'string' },
            },
            required: ['key', 'title', 'status'],
          },
        },
      },
      required: ['query', 'pagesSearched', 'matches'],
    },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    longRunning: true,
    async run({ query, pages, delayMs }, { signal, sendProgress }) {
      stats.searchIssuesStarts += 1;
      const needle = query.toLowerCase();
      const matches: Issue[] = [];
      for (let page = 1; page <= pages; page += 1) {
        try {
          // Waiting with the signal means an abort ends the wait at once, not after the page.
          await sleep(delayMs, undefined, { signal });
        } catch (error) {
          stats.searchIssuesAborted += 1;
          throw error;
        }
        for (let i = 1; i <= ISSUES_PER_PAGE; i += 1) {
          const issue = generateIssue((page - 1) * ISSUES_PER_PAGE + i);
          if (issue.title.toLowerCase().includes(needle)) matches.push(issue);
        }
        stats.searchIssuesPages += 1;
        sendProgress(page, pages, `page ${page} of ${pages}`);
      }
      stats.searchIssuesCompleted += 1;
      const structuredContent = {
        query,
        pagesSearched: pages,
        matches: matches.map((m) => ({ ...m })),
      };
      const shown = matches.slice(0, SUMMARY_MATCHES);
      const summary =
        `Found ${matches.length} issue(s) matching "${query}" in ${pages} page(s)` +
        (shown.length
          ? `:\n${shown.map((m) => `${m.key} [${m.status}] ${m.title}`).join('\n')}`
          : '.') +
        (matches.length > shown.length ? `\n… and ${matches.length - shown.length} more` : '');
      return {
        // A summary for people, then the structured result serialized, which the
        // spec asks for so clients without structuredContent support see it too.
        content: [
          { type: 'text', text: summary },
          { type: 'text', text: JSON.stringify(structuredContent) },
        ],
        structuredContent,
      };
    },
  };

  const echo: Tool<{ text: string }> = {
    name: 'echo',
    title: 'Echo',
    description:
      'Returns the text it was given. Instant: the baseline for a call with nothing to wait for.',
    inputSchema: {
      type: 'object',
      properties: { text: { type: 'string', description: 'The text to send back.' } },
      required: ['text'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    run: ({ text }) => Promise.resolve({ content: [{ type: 'text', text }] }),
  };

  return { tools: [searchIssues, echo], stats };
}
