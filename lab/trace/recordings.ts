/**
 * The named recordings the chapters embed: for each, the scenario that makes
 * it and where its diagram lives (`docs/diagrams/<name>.mmd` and `.svg`).
 * `npm run trace -- --write-all` re-records them all; the drift test
 * re-records each one and compares it with the committed Mermaid source.
 *
 * Teaches: one picture per claim of the chapters. Each recording is the run
 * that shows one thing the transport does or loses, and the chapter embeds it
 * next to the sentence it proves.
 * Read next: ../../docs/03-streamable-http.md, where four of them are embedded.
 * @module
 */
import type { TraceScenario } from './scenarios.ts';

/** One diagram the docs embed. */
export interface NamedRecording {
  /** The files' base name in `docs/diagrams/`. */
  name: string;
  /** The run that records it. */
  scenario: TraceScenario;
  /** What it shows, in a few words: the image's alt text. */
  shows: string;
}

/** Every committed diagram, in the order of the chapters that embed them. */
export const RECORDINGS: readonly NamedRecording[] = [
  {
    name: '01-plain-http',
    scenario: { stage: '01' },
    shows: 'stage 01: four POSTs, each answered on its own response; no progress',
  },
  {
    name: '02-http-sse',
    scenario: { stage: '02' },
    shows: 'stage 02: every answer and all progress arrive on the GET /sse stream',
  },
  {
    name: '02-http-sse-drop',
    scenario: { stage: '02', dropAfter: 3 },
    shows: 'stage 02: the stream is cut after 3 progress events and the result is lost',
  },
  {
    name: '03-handshake',
    scenario: { stage: '03', revision: '2025-11-25' },
    shows:
      'stage 03, 2025-11-25: a session id, then the call answered on an SSE stream with event ids',
  },
  {
    name: '03-handshake-resume',
    scenario: { stage: '03', revision: '2025-11-25', dropAfter: 3 },
    shows: 'stage 03, 2025-11-25: the cut stream is resumed with GET and Last-Event-ID',
  },
  {
    name: '03-sessionless',
    scenario: { stage: '03', revision: '2025-11-25', sessionless: true, dropAfter: 3 },
    shows:
      'stage 03, 2025-11-25 without sessions: events carry no ids, and the cut loses the answer',
  },
  {
    name: '03-2026',
    scenario: { stage: '03' },
    shows: 'stage 03, 2026-07-28: no handshake and no session; headers mirror the body',
  },
  {
    name: '03-2026-drop',
    scenario: { stage: '03', dropAfter: 3 },
    shows: 'stage 03, 2026-07-28: the cut cancels the call, and the client sends it again',
  },
  {
    name: '06-cluster-resume',
    scenario: { stage: '03', revision: '2025-11-25', dropAfter: 3, instances: 3 },
    shows:
      'stage 03 on Redis, 3 instances behind round robin: the call runs on one, the cut stream is resumed on another',
  },
];

/** The two files of one committed diagram. */
export interface DiagramFiles {
  /** The Mermaid source: what the drift test compares. */
  mermaid: URL;
  /** Its rendering, which the chapters show. */
  svg: URL;
}

/** Where a recording's diagram is committed. */
export const DIAGRAMS_DIRECTORY = new URL('../../docs/diagrams/', import.meta.url);

/**
 * The Mermaid source and the SVG of a named recording.
 *
 * @example
 * ```ts
 * diagramFiles('03-2026').svg.pathname; // …/docs/diagrams/03-2026.svg
 * ```
 */
export function diagramFiles(name: string): DiagramFiles {
  return {
    mermaid: new URL(`${name}.mmd`, DIAGRAMS_DIRECTORY),
    svg: new URL(`${name}.svg`, DIAGRAMS_DIRECTORY),
  };
}
