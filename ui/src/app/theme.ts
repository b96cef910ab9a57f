import { createTheme } from '@mantine/core';

// Dense admin UI: small type, tight tables, compact inputs.
export const theme = createTheme({
  primaryColor: 'orange',
  fontFamily: 'DejaVu Sans, system-ui, sans-serif',
  fontFamilyMonospace: 'DejaVu Sans Mono, ui-monospace, monospace',
  defaultRadius: 'sm',
  fontSizes: { xs: '12px', sm: '13px', md: '14px', lg: '16px', xl: '18px' },
  spacing: { xs: '6px', sm: '10px', md: '14px', lg: '18px', xl: '24px' },
  headings: { sizes: { h4: { fontSize: '16px' } } },
});
