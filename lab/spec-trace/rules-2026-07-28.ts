/**
 * Stub: the rules of Streamable HTTP and the transports index, revision 2026-07-28 (another helper writes them).
 * Read next: trace.ts.
 * @module
 */
import type { SpecRule } from './rule.ts';

/** The normative statements of Streamable HTTP and the transports index, 2026-07-28. */
export const RULES: readonly SpecRule[] = [];
