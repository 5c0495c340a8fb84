/**
 * Draws Mermaid sequence diagrams without a browser, with `beautiful-mermaid`:
 * as box-drawing text for the terminal, and as an SVG of that same text for
 * the documentation site.
 *
 * Teaches: a diagram the docs embed should be a file, not a script: the site
 * renders with no network and no JavaScript, and a reader of the repository
 * sees the same picture as `npm run trace` prints. The Mermaid source stays
 * beside the SVG, because text is what a review can diff and what the drift
 * test compares.
 * Read next: trace.ts, the command that ties it all together.
 * @see https://mermaid.js.org/syntax/sequenceDiagram.html
 * @module
 */
import { renderMermaidASCII } from 'beautiful-mermaid';

/** The SVG's type: 13 px, and the width of one monospace cell at that size (0.6 em). */
const FONT_SIZE = 13;
const CELL_WIDTH = FONT_SIZE * 0.6;
const LINE_HEIGHT = FONT_SIZE * 1.2;
const MARGIN = 12;

/**
 * Monospace fonts that ship with the common systems and draw box-drawing
 * characters; an SVG shown as an image may not load a web font.
 */
const MONOSPACE =
  "ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";

/**
 * The diagram as box-drawing text.
 * @param color colour the arrows and boxes with ANSI codes (for a terminal, never for a file).
 *
 * @example
 * ```ts
 * console.log(renderAscii(toSequenceDiagram(recording), { color: process.stdout.isTTY }));
 * ```
 */
export function renderAscii(source: string, { color = false }: { color?: boolean } = {}): string {
  const text = renderMermaidASCII(source, { colorMode: color ? 'ansi256' : 'none' });
  return text.replace(/[ \t]+$/gm, ''); // the renderer pads every line to the widest
}

/**
 * The diagram as a self-contained SVG: the text rendering, one `<text>` per
 * line, in a monospace font.
 *
 * @remarks beautiful-mermaid also renders sequence diagrams to SVG directly,
 * but its layout spaces the two lifelines by the participants' names (about
 * 140 px apart) and gives every arrow one 40 px row whatever its label. The
 * trace's labels carry a path, headers and an event id on several lines, so
 * there they overflow the picture and overlap each other. The text rendering
 * sizes itself to its labels. Each line is stretched to its exact cell count
 * (`textLength`), so a font that draws a glyph at another width cannot push
 * a lifeline out of line.
 *
 * @example
 * ```ts
 * await writeFile('docs/diagrams/03-2026.svg', renderSvg(source));
 * ```
 */
export function renderSvg(source: string): string {
  const lines = renderAscii(source).replace(/\n+$/, '').split('\n');
  const columns = Math.max(...lines.map((line) => [...line].length));
  const width = Math.ceil(columns * CELL_WIDTH + 2 * MARGIN);
  const height = Math.ceil(lines.length * LINE_HEIGHT + 2 * MARGIN);
  const text = lines.flatMap((line, index) => {
    if (line === '') return [];
    const y = (MARGIN + (index + 0.8) * LINE_HEIGHT).toFixed(1);
    const length = ([...line].length * CELL_WIDTH).toFixed(1);
    return [
      `<text x="${MARGIN}" y="${y}" textLength="${length}" lengthAdjust="spacingAndGlyphs">${escapeXml(line)}</text>`,
    ];
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">`,
    `<style>text { font-family: ${MONOSPACE}; font-size: ${FONT_SIZE}px; white-space: pre; fill: #27272a; }</style>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<g xml:space="preserve">`,
    ...text,
    `</g>`,
    `</svg>`,
    '',
  ].join('\n');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
