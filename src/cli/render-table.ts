/** Plain-text tables for terminal output: aligned columns, no colours, no borders. */

/** A column: its heading and how to read a row's cell. */
export interface TableColumn<Row> {
  header: string;
  value: (row: Row) => string | number | null | undefined;
  /** Right-aligns the column (for numbers). */
  alignRight?: boolean;
}

/** Renders rows under upper-case headings, columns separated by two spaces. */
export function renderTable<Row>(options: { columns: TableColumn<Row>[]; rows: Row[] }): string {
  const { columns, rows } = options;
  const cells = rows.map((row) => columns.map((column) => renderCell(column.value(row))));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => (line[index] ?? '').length)),
  );

  const renderLine = (line: string[]): string =>
    line
      .map((cell, index) => {
        const width = widths[index] ?? 0;
        return columns[index]?.alignRight ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();

  const header = renderLine(columns.map((column) => column.header.toUpperCase()));
  return [header, ...cells.map(renderLine)].join('\n');
}

/** Renders label/value pairs as two aligned columns. */
export function renderKeyValues(pairs: [string, string | number | null | undefined][]): string {
  const width = Math.max(0, ...pairs.map(([label]) => label.length));
  return pairs
    .map(([label, value]) => `${`${label}:`.padEnd(width + 1)}  ${renderCell(value)}`)
    .join('\n');
}

function renderCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value).replace(/\s*\n\s*/g, ' ');
}
