/**
 * Stub: the rules of Streamable HTTP, revisions 2025-03-26 to 2025-11-25 (another helper writes them).
 * Read next: trace.ts.
 * @module
 */
import type { SpecRule } from './rule.ts';

/** The normative statements of Streamable HTTP, 2025-03-26 to 2025-11-25. */
export const RULES: readonly SpecRule[] = [];
