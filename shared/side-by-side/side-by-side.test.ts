// The side-by-side suite: every column measured by the same scenarios, and
// each verdict held to what the course teaches. Where the course says a
// transport breaks, the test fails if it starts to work, and the other way round.
import { beforeAll, describe, expect, it } from 'vitest';
import { COLUMNS } from './columns.ts';
import { ROWS, measureAll, type Measurements } from './rows.ts';

describe.each(COLUMNS)('$title', (column) => {
  let measured: Measurements;
  beforeAll(async () => {
    measured = await measureAll(column);
  }, 120_000);

  for (const row of ROWS) {
    const expected = row.expected[column.id];
    it(expected ? row.behaviour.ok : row.behaviour.broken, async ({ annotate }) => {
      const cell = row.cell(column, measured);
      await annotate(`${row.property}: ${cell.ok ? '✓' : '✗'} ${cell.figure}`);
      expect(cell.ok, cell.figure).toBe(expected);
    });
  }
});
