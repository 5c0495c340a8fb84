/**
 * `npm run trace`: runs a stage's demo call through a recording proxy and
 * prints the exchange as a sequence diagram; with `--write`, refreshes the
 * committed diagram (`docs/diagrams/<name>.mmd` and `.svg`) the chapters embed.
 *
 * ```sh
 * npm run trace -- 03 --drop-after 3                        # 2026-07-28: cut, cancelled, sent again
 * npm run trace -- 03 --revision 2025-11-25 --drop-after 3  # handshake era: cut, then resumed
 * npm run trace -- 02 --drop-after 3 --write                # refresh docs/diagrams/02-http-sse-drop.*
 * npm run trace -- 03-handshake                             # a named recording
 * npm run trace -- --write-all                              # refresh every committed diagram
 * npm run trace -- --list                                   # the named recordings and their commands
 * ```
 *
 * Teaches: what each transport puts on the wire, drawn from a real run rather
 * than from memory, so a diagram cannot drift from the code it shows.
 * Read next: scenarios.ts, what each stage runs; then
 * ../../docs/00-introduction.md, where the diagrams are read.
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isEntryPoint } from '../../shared/cli.ts';
import { RECORDINGS, DIAGRAMS_DIRECTORY, diagramFiles, type NamedRecording } from './recordings.ts';
import { renderAscii, renderSvg } from './render-diagram.ts';
import {
  recordScenario,
  sameScenario,
  scenarioArguments,
  scenarioFromOptions,
  type TraceScenario,
} from './scenarios.ts';
import { toSequenceDiagram } from './sequence-diagram.ts';

/**
 * The command that records a scenario, as the chapters quote it.
 *
 * @example
 * ```ts
 * traceCommand({ stage: '03', revision: '2025-11-25', dropAfter: 3 });
 * // 'npm run trace -- 03 --revision 2025-11-25 --drop-after 3'
 * ```
 */
export function traceCommand(scenario: TraceScenario): string {
  return `npm run trace -- ${scenarioArguments(scenario).join(' ')}`;
}

/** Records a scenario and returns its diagram's Mermaid source. */
export async function recordDiagram(scenario: TraceScenario): Promise<string> {
  return toSequenceDiagram(await recordScenario(scenario));
}

/** Writes a named recording's Mermaid source and its SVG rendering. */
export async function writeDiagram(name: string, source: string): Promise<void> {
  const files = diagramFiles(name);
  await mkdir(DIAGRAMS_DIRECTORY, { recursive: true });
  await writeFile(files.mermaid, source);
  await writeFile(files.svg, renderSvg(source));
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      revision: { type: 'string' },
      'drop-after': { type: 'string' },
      sessionless: { type: 'boolean' },
      instances: { type: 'string' },
      write: { type: 'boolean', default: false },
      'write-all': { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
    },
  });
  if (values.list) {
    for (const { name, scenario, shows } of RECORDINGS)
      console.log(`${name.padEnd(20)} ${traceCommand(scenario)}\n${''.padEnd(20)} ${shows}`);
    return;
  }
  if (values['write-all']) {
    for (const { name, scenario } of RECORDINGS) {
      await writeDiagram(name, await recordDiagram(scenario));
      console.error(`wrote docs/diagrams/${name}.mmd and .svg (${traceCommand(scenario)})`);
    }
    return;
  }
  const [target] = positionals;
  if (target === undefined) throw new Error('Name a stage (01, 02, 03) or a recording (--list)');
  const named = RECORDINGS.find((recording) => recording.name === target);
  if (named && (values.revision ?? values['drop-after'] ?? values.sessionless) !== undefined)
    throw new Error(`${target} is a named recording: its options are fixed (see --list)`);
  const scenario = named?.scenario ?? scenarioFromOptions(target, values);
  const recording =
    named ?? RECORDINGS.find((candidate) => sameScenario(candidate.scenario, scenario));
  const source = await recordDiagram(scenario);
  console.log(renderAscii(source, { color: process.stdout.isTTY }));
  reportWhereItBelongs(recording, scenario, values.write);
  if (values.write) {
    if (!recording) throw new Error('Only named recordings are written: see --list');
    await writeDiagram(recording.name, source);
  }
}

function reportWhereItBelongs(
  recording: NamedRecording | undefined,
  scenario: TraceScenario,
  written: boolean,
): void {
  if (!recording) {
    console.error(`(${traceCommand(scenario)}: not one of the committed diagrams)`);
    return;
  }
  const file = `docs/diagrams/${recording.name}.mmd`;
  console.error(
    written
      ? `wrote ${file} and .svg`
      : `(the committed diagram ${file}; add --write to refresh it)`,
  );
}

if (isEntryPoint(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
