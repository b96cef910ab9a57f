// Assertions on write controls: refused (disabled, the reason as its description) or allowed.
import { screen } from '@testing-library/react';
import { expect } from 'vitest';
import { READ_ONLY_REASON } from '../features/safety/WriteGuard';

export function expectRefused(...testIds: string[]) {
  for (const id of testIds) {
    const button = screen.getByTestId(id);
    expect(button, id).toBeDisabled();
    expect(button, id).toHaveAccessibleDescription(READ_ONLY_REASON);
    expect(screen.getByTestId(`${id}-reason`), id).toHaveTextContent(READ_ONLY_REASON);
  }
}

export function expectAllowed(...testIds: string[]) {
  for (const id of testIds) {
    const button = screen.getByTestId(id);
    expect(button, id).toBeEnabled();
    expect(button, id).not.toHaveAccessibleDescription(READ_ONLY_REASON);
  }
}
