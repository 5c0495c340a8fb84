// The committed diagrams are recordings, not drawings: each one is recorded
// again from its scenario and must come out byte for byte the same, so a
// change to a stage that changes its wire fails here until the diagram is
// refreshed (`npm run trace -- --write-all`).
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DIAGRAMS_DIRECTORY, RECORDINGS, diagramFiles } from './recordings.ts';
import { isRedisServerInstalled } from '../deploy/redis-server.ts';
import { renderSvg } from './render-diagram.ts';
import type { TraceScenario } from './scenarios.ts';
import { recordDiagram, traceCommand } from './trace.ts';

const REFRESH = 'stale: refresh it with npm run trace -- --write-all';

/** Recordings of several instances need a private redis-server; under CI a missing one fails. */
const cannotRecord = (scenario: TraceScenario) =>
  scenario.instances !== undefined && !isRedisServerInstalled() && process.env.CI !== 'true';

describe('each committed diagram', () => {
  for (const { name, scenario } of RECORDINGS) {
    it.skipIf(cannotRecord(scenario))(
      `${name}.mmd matches a fresh recording of its scenario`,
      async () => {
        const committed = await readFile(diagramFiles(name).mermaid, 'utf8');
        const fresh = await recordDiagram(scenario);
        expect(fresh, `docs/diagrams/${name}.mmd is ${REFRESH}`).toBe(committed);
      },
    );

    it(`${name}.svg is the rendering of its Mermaid source`, async () => {
      const files = diagramFiles(name);
      const [source, svg] = await Promise.all([
        readFile(files.mermaid, 'utf8'),
        readFile(files.svg, 'utf8'),
      ]);
      expect(svg, `docs/diagrams/${name}.svg is ${REFRESH}`).toBe(renderSvg(source));
    });
  }

  it('is a named recording, embedded in a chapter with the command that made it', async () => {
    const files = (await readdir(DIAGRAMS_DIRECTORY)).sort();
    const named = RECORDINGS.flatMap(({ name }) => [`${name}.mmd`, `${name}.svg`]).sort();
    expect(files).toEqual(named);
    const chapters = await Promise.all(
      ['01-plain-http', '02-http-sse', '03-streamable-http', '06-scale-out'].map((chapter) =>
        readFile(new URL(`../../docs/${chapter}.md`, import.meta.url), 'utf8'),
      ),
    );
    const docs = chapters.join('\n');
    for (const { name, scenario } of RECORDINGS) {
      expect(docs, name).toContain(`(diagrams/${name}.svg)`);
      expect(docs, name).toContain(`\`${traceCommand(scenario)}\``);
    }
  });
});
