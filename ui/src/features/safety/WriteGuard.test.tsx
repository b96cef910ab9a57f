import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { renderWithApp } from '../../test/render';
import { expectAllowed, expectRefused } from '../../test/writeGuard';
import { READ_ONLY_REASON, WriteButton } from './WriteGuard';

describe('WriteButton', () => {
  it('is disabled on a read-only connection, saying why on hover and to assistive technology', async () => {
    const onClick = vi.fn();
    renderWithApp(
      <WriteButton onClick={onClick} data-testid="change">
        Change
      </WriteButton>,
      { readOnly: true },
    );
    expectRefused('change');
    await userEvent.hover(screen.getByTestId('change').parentElement as HTMLElement);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(READ_ONLY_REASON);
    expect(onClick).not.toHaveBeenCalled();
  });

  it('works as a plain button otherwise', async () => {
    const onClick = vi.fn();
    renderWithApp(
      <WriteButton onClick={onClick} data-testid="change">
        Change
      </WriteButton>,
    );
    expectAllowed('change');
    expect(screen.queryByTestId('change-reason')).toBeNull();
    await userEvent.click(screen.getByTestId('change'));
    expect(onClick).toHaveBeenCalledOnce();
  });

  it('keeps a button disabled for its own reasons on a writable connection', () => {
    renderWithApp(
      <WriteButton disabled data-testid="change">
        Change
      </WriteButton>,
    );
    expect(screen.getByTestId('change')).toBeDisabled();
    expect(screen.getByTestId('change')).not.toHaveAccessibleDescription(READ_ONLY_REASON);
  });
});
