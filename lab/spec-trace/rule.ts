/**
 * One normative statement of the MCP transport specification, in the course's
 * own words: the unit of the traceability table (../../docs/spec-trace.md).
 *
 * Teaches: how the course knows it follows the spec. Every MUST, MUST NOT,
 * SHOULD and SHOULD NOT of the HTTP transport sections is a rule here; a test
 * that proves one names its id in its title, as `(spec: <id>)`; a rule no test
 * proves says why.
 * Implements: the transport pages of revisions 2024-11-05 to 2026-07-28.
 * Read next: trace.ts, which joins the rules with the tests that name them.
 * @module
 */

/** A revision whose transport text the table covers. */
export type Revision = '2024-11-05' | '2025-03-26' | '2025-06-18' | '2025-11-25' | '2026-07-28';

/** A rule's strength, as RFC 2119 words it. */
export type Level = 'MUST' | 'MUST NOT' | 'SHOULD' | 'SHOULD NOT';

/** One statement, as it appears in one or more revisions. */
export interface SpecRule {
  /** Kebab-case, unique across every rule file; tests cite it as `(spec: <id>)`. */
  id: string;
  /** Every revision whose transport text states it (the table has one row per revision). */
  revisions: readonly Revision[];
  /**
   * Where it is stated: the page and anchor under
   * `https://modelcontextprotocol.io/specification/<revision>/`, e.g.
   * `basic/transports#session-management`; per revision when they differ.
   */
  section: string | Partial<Record<Revision, string>>;
  level: Level;
  /** Who the rule binds. */
  party: 'server' | 'client' | 'both';
  /** The rule in a few words: a paraphrase, never the spec's sentence. */
  rule: string;
  /** Why no test proves it: what the course does not build, or why it cannot be observed. */
  notImplemented?: string;
  /**
   * Where the course departs from a SHOULD or SHOULD NOT on purpose, and why
   * (a MUST is never departed from). The tests that pin the departure name the rule too.
   */
  deviates?: string;
}
