// A table for lists of any length: past VIRTUALIZE_FROM rows only the visible ones are in the DOM.
// Declared by columns (columns.ts) like SmallTable, which is for a few rows.
import { Box, Table, Text } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type ReactNode, useEffect, useRef } from 'react';
import { cellStyle, type Column, headerStyle } from './columns';

/** Below this many rows every row is rendered (cheap, and exact for find-in-page and tests). */
export const VIRTUALIZE_FROM = 200;

interface Props<T> {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  onRowClick?: (row: T) => void;
  height?: number | string;
  rowHeight?: number;
  empty?: ReactNode;
  testId?: string;
  /** Called with the index range of the rows in the DOM (visible plus overscan) when it changes. */
  onVisibleChange?: (first: number, last: number) => void;
}

export function VirtualTable<T>({
  rows,
  columns,
  rowKey,
  onRowClick,
  height = 400,
  rowHeight = 30,
  empty = 'Nothing to show',
  testId,
  onVisibleChange,
}: Props<T>) {
  const parentRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is the point here
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    initialRect: { width: 1000, height: typeof height === 'number' ? height : 600 },
  });
  const virtual = rows.length >= VIRTUALIZE_FROM;
  const items = virtual
    ? virtualizer.getVirtualItems()
    : rows.map((_, index) => ({ index, start: index * rowHeight, end: (index + 1) * rowHeight }));
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    onVisibleChange?.(first, last);
  }, [onVisibleChange, first, last]);
  const padTop = virtual && items.length > 0 ? (items[0]?.start ?? 0) : 0;
  const padBottom =
    virtual && items.length > 0 ? virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0) : 0;
  return (
    <Box ref={parentRef} style={{ height, overflow: 'auto' }} data-testid={testId}>
      <Table striped highlightOnHover stickyHeader withTableBorder fz="xs" verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            {columns.map((c) => (
              <Table.Th key={c.key} style={{ ...headerStyle(c), whiteSpace: 'nowrap' }}>
                {c.header}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.length === 0 ? (
            <Table.Tr>
              <Table.Td colSpan={columns.length}>
                <Text size="xs" c="dimmed" ta="center" py="md">
                  {empty}
                </Text>
              </Table.Td>
            </Table.Tr>
          ) : null}
          {padTop > 0 ? <tr style={{ height: padTop }} /> : null}
          {items.map((vi) => {
            const row = rows[vi.index] as T;
            return (
              <Table.Tr
                key={rowKey(row)}
                data-index={vi.index}
                style={{ height: rowHeight, cursor: onRowClick ? 'pointer' : undefined }}
                onClick={onRowClick ? () => onRowClick(row) : undefined}
              >
                {columns.map((c) => (
                  <Table.Td key={c.key} style={{ ...cellStyle(c), whiteSpace: 'nowrap' }}>
                    {c.render(row)}
                  </Table.Td>
                ))}
              </Table.Tr>
            );
          })}
          {padBottom > 0 ? <tr style={{ height: padBottom }} /> : null}
        </Table.Tbody>
      </Table>
    </Box>
  );
}
