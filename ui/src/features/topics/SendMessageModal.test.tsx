import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessageView, SendOutcome, SendRequest } from '../../bindings';
import { profile } from '../../test/fixtures';
import { entry, plan } from '../../test/plans';
import { renderWithApp } from '../../test/render';
import { SendMessageModal } from './components/SendMessageModal';

afterEach(() => clearMocks());

const view: MessageView = {
  topic: 'Orders',
  msgId: '7F0000010001524D5143000000000001',
  offsetMsgId: '7F00000100002A9F0000000000000042',
  tags: 'TagA',
  keys: ['k1'],
  properties: { TAGS: 'TagA', KEYS: 'k1', color: 'red' },
  queueId: 1,
  queueOffset: '9007199254740993',
  commitLogOffset: '66',
  bornTimestamp: 1_764_000_000_000,
  storeTimestamp: 1_764_000_000_001,
  bornHost: '127.0.0.1:50000',
  storeHost: '127.0.0.1:10911',
  reconsumeTimes: 0,
  sysFlag: 0,
  bodyCrc: 1,
  bodySize: 15,
  bodyBase64: btoa('{"hello":"wö"}'),
  bodyText: '{"hello":"wö"}',
  bodyError: null,
};

describe('SendMessageModal', () => {
  it('sends tag, keys and properties through the preview, shows the result and opens the message', async () => {
    const sent: SendRequest[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'message_plan_send') return plan({ action: 'message.send', title: 'Send a message to Orders', mqadmin: ['mqadmin sendMessage -t Orders -p x'] });
      if (cmd === 'message_send') {
        sent.push((args as { request: SendRequest }).request);
        const out: SendOutcome = {
          result: {
            status: 'SEND_OK',
            msgId: view.msgId ?? '',
            offsetMsgId: view.offsetMsgId,
            brokerName: 'broker-a',
            brokerAddr: '127.0.0.1:10911',
            queueId: 1,
            queueOffset: '9007199254740993',
            bodyBytes: 15,
          },
          audit: entry({ action: 'message.send' }),
        };
        return out;
      }
      if (cmd === 'message_by_offset_id') return view;
      throw new Error(cmd);
    });
    renderWithApp(<SendMessageModal connection={profile()} topic="Orders" onClose={() => {}} />);
    await userEvent.type(await screen.findByTestId('send-tag'), 'TagA');
    await userEvent.type(screen.getByTestId('send-keys'), 'k1, k2');
    await userEvent.type(screen.getByTestId('send-props'), 'color=red');
    await userEvent.type(screen.getByTestId('send-body'), '{{"hello":"wö"}');
    await userEvent.click(screen.getByTestId('send-preview'));
    await userEvent.click(await screen.findByTestId('preview-apply'));
    expect(await screen.findByTestId('send-result')).toHaveTextContent('9,007,199,254,740,993');
    expect(sent[0]).toMatchObject({ topic: 'Orders', tag: 'TagA', keys: ['k1', 'k2'], properties: { color: 'red' }, body: { kind: 'text', text: '{"hello":"wö"}' } });
    await userEvent.click(screen.getByTestId('send-open-message'));
    expect(await screen.findByTestId('message-body')).toHaveTextContent('"hello": "wö"');
    await userEvent.click(screen.getByRole('radio', { name: 'Hex' }));
    await waitFor(() => expect(screen.getByTestId('message-body')).toHaveTextContent('7b 22 68 65'));
  });

  it('refuses a malformed property line before anything is sent', async () => {
    mockIPC((cmd) => {
      throw new Error(cmd);
    });
    renderWithApp(<SendMessageModal connection={profile()} topic="Orders" onClose={() => {}} />);
    await userEvent.type(await screen.findByTestId('send-props'), 'oops');
    await userEvent.type(screen.getByTestId('send-body'), 'x');
    expect(screen.getByText(/is not key=value/)).toBeInTheDocument();
    expect(screen.getByTestId('send-preview')).toBeDisabled();
  });
});
