// How a table is declared, shared by VirtualTable (long lists) and SmallTable (everything else):
// one column per key, a header, and how a row renders in it.
import type { CSSProperties, ReactNode } from 'react';

export interface Column<T> {
  key: string;
  header: ReactNode;
  render: (row: T) => ReactNode;
  width?: number | string;
  align?: 'left' | 'right' | 'center';
  /** Counts and offsets: right-aligned, figures of equal width so a column of them lines up. */
  numeric?: boolean;
  /** Names, ids and addresses: in the monospace font. */
  mono?: boolean;
}

export function headerStyle<T>(c: Column<T>): CSSProperties {
  return { width: c.width, textAlign: c.align ?? (c.numeric ? 'right' : 'left') };
}

export function cellStyle<T>(c: Column<T>): CSSProperties {
  return {
    ...headerStyle(c),
    fontFamily: c.mono ? 'var(--mantine-font-family-monospace)' : undefined,
    fontVariantNumeric: c.numeric ? 'tabular-nums' : undefined,
  };
}
