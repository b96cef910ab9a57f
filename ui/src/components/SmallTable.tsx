// A table of a few rows (a route, a plan, a job's results), every row rendered: declared by columns
// exactly like VirtualTable, which is for lists of any length.
import { Table } from '@mantine/core';
import type { ReactNode } from 'react';
import { cellStyle, type Column, headerStyle } from './columns';

interface Props<T> {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T, index: number) => string;
  /** Shown in one row when there are no rows. */
  empty?: ReactNode;
  /** A list of key-value pairs: no header row. */
  headless?: boolean;
  /** Rows drawn faded (e.g. the queues a reset leaves where they are). */
  faded?: (row: T) => boolean;
  testId?: string;
  rowTestId?: string;
}

export function SmallTable<T>({ rows, columns, rowKey, empty = 'Nothing to show', headless = false, faded, testId, rowTestId }: Props<T>) {
  return (
    <Table fz="xs" verticalSpacing={3} withTableBorder striped data-testid={testId}>
      {headless ? null : (
        <Table.Thead>
          <Table.Tr>
            {columns.map((c) => (
              <Table.Th key={c.key} style={headerStyle(c)}>
                {c.header}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
      )}
      <Table.Tbody>
        {rows.length === 0 ? (
          <Table.Tr>
            <Table.Td colSpan={columns.length} c="dimmed">
              {empty}
            </Table.Td>
          </Table.Tr>
        ) : null}
        {rows.map((row, i) => (
          <Table.Tr key={rowKey(row, i)} opacity={faded?.(row) ? 0.55 : undefined} data-testid={rowTestId}>
            {columns.map((c) => (
              <Table.Td key={c.key} style={cellStyle(c)}>
                {c.render(row)}
              </Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
