import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ChangePlan, Confirmation } from '../../bindings';
import { plan } from '../../test/plans';
import { renderWithApp } from '../../test/render';
import { PreviewDialog } from './PreviewDialog';

function open(p: ChangePlan, apply = vi.fn((_: Confirmation) => Promise.resolve('done'))) {
  const onApplied = vi.fn();
  renderWithApp(<PreviewDialog planKey={['k']} loadPlan={() => Promise.resolve(p)} apply={apply} onApplied={onApplied} onClose={() => {}} />);
  return { apply, onApplied };
}

describe('PreviewDialog', () => {
  it('shows the connection, the change and the mqadmin line, and applies on a click', async () => {
    const { apply, onApplied } = open(plan());
    expect(await screen.findByTestId('preview-connection')).toHaveTextContent('Local sandbox');
    expect(screen.getByTestId('preview-changes')).toHaveTextContent('writeQueues');
    expect(screen.getByTestId('preview-mqadmin')).toHaveTextContent('mqadmin updateTopic');
    await userEvent.click(screen.getByTestId('preview-apply'));
    await waitFor(() => expect(onApplied).toHaveBeenCalled());
    expect(onApplied.mock.calls[0]?.[0]).toBe('done');
    expect(apply.mock.calls[0]?.[0]).toEqual({ typed: null, acknowledged: false });
  });

  it('asks for the name typed before a destructive change', async () => {
    const { apply } = open(plan({ action: 'topic.delete', destructive: true, confirmText: 'Orders', changes: [{ scope: 'broker-a', field: 'topic', before: '8 queues', after: null }] }));
    const button = await screen.findByTestId('preview-apply');
    expect(button).toBeDisabled();
    await userEvent.type(screen.getByTestId('preview-typed'), 'Order');
    expect(button).toBeDisabled();
    await userEvent.type(screen.getByTestId('preview-typed'), 's');
    expect(button).toBeEnabled();
    await userEvent.click(button);
    await waitFor(() => expect(apply).toHaveBeenCalledWith({ typed: 'Orders', acknowledged: false }, expect.anything()));
  });

  it('needs serious warnings acknowledged', async () => {
    open(plan({ warnings: ['Shrinks write queues on broker-a from 8 to 4'], acknowledge: true }));
    const button = await screen.findByTestId('preview-apply');
    expect(screen.getByTestId('preview-warnings')).toHaveTextContent('Shrinks write queues');
    expect(button).toBeDisabled();
    await userEvent.click(screen.getByTestId('preview-ack'));
    expect(button).toBeEnabled();
  });

  it('says a read-only connection refuses the change and offers no apply', async () => {
    open(plan({ refusal: "'prod' is a read-only connection: the change would be refused.", connection: { ...plan().connection, readOnly: true } }));
    expect(await screen.findByTestId('preview-refusal')).toHaveTextContent('read-only');
    expect(screen.getByTestId('preview-apply')).toBeDisabled();
  });

  it('shows the core’s refusal when applying fails', async () => {
    const apply = vi.fn(() => Promise.reject({ code: 'ReadOnly', message: "connection 'prod' is read-only", detail: null, retryable: false }));
    open(plan(), apply);
    await userEvent.click(await screen.findByTestId('preview-apply'));
    expect(await screen.findByTestId('preview-apply-error')).toHaveTextContent('ReadOnly');
  });
});
