// End-to-end test of the real app: tauri-driver + WebKitWebDriver under Xvfb, against a running
// java5 cluster. Saves a connection, opens the Overview and finds both brokers with their versions;
// takes the light/dark screenshots of Overview and Connections. On that read-only connection the
// topic list's write controls are disabled with the reason.
//
// Then, on a second (writable) connection: creates a topic through the preview dialog, sends a
// message to it and sees it counted, deletes it by typing its name, and finds the three changes in
// the audit journal. Then Consumer groups: the seeded group with a backlog (sandbox-billing) is
// reset to the latest offset (skipping acknowledged), then to the earliest through the preview, and
// the last reset is undone from its result; the journal has the three resets. A group is created
// through its form and deleted from its detail (typing its name), and both seeded groups are reset
// at once as a job (progress, one result each). Messages: a seeded message is found by key and
// opened (JSON and hex views) and exported to a JSON file (read back here), its Trace explains why
// it has no record, a traced message (RMQ_TRACED_ID) shows its timeline, a time-range scan stops
// at its cap and says so, and a live tail shows messages sent while it runs (RMQ_CLI sends them).
//
// Dead letters (RMQ_DLQ_GROUP): overview, browse, dry run, replay through the preview, report.
//
// Last, when RMQ_CLUSTER names the harness cluster, it kills broker-b and checks the Overview marks
// it down on the next refresh while the app stays responsive.
//
// Env: RMQ_APP (the app binary), RMQ_NAMESRV (the java5 name server), RMQ_CLUSTER (optional),
// RMQ_CLI (the rmq-console-cli binary, for the live tail), SCREENSHOT_DIR (optional).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.cwd(), 'ui', 'package.json'));
const { remote } = require('webdriverio');

const app = process.env.RMQ_APP;
const namesrv = process.env.RMQ_NAMESRV;
const shots = process.env.SCREENSHOT_DIR;
if (!app || !namesrv) throw new Error('RMQ_APP and RMQ_NAMESRV must be set');
if (shots) mkdirSync(shots, { recursive: true });

const driver = spawn(process.env.TAURI_DRIVER ?? 'tauri-driver', ['--port', '4444'], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
const stopDriver = () => driver.kill('SIGTERM'); // a hard kill leaves WebKitWebDriver holding the session
process.on('exit', stopDriver);

async function waitForDriver() {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch('http://127.0.0.1:4444/status');
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('tauri-driver did not start');
}

function check(cond, what) {
  if (!cond) throw new Error(`FAILED: ${what}`);
  console.log(`ok - ${what}`);
}

const byTestId = (id) => `[data-testid="${id}"]`;

async function typeInto(browser, id, text) {
  const el = await browser.$(byTestId(id));
  await el.waitForDisplayed({ timeout: 10_000 });
  await el.click();
  await browser.keys(['Control', 'a']);
  await browser.keys('Delete');
  if (text) await el.addValue(text);
}

/** Clicks an element, retrying while a closing modal's overlay still covers it. */
async function clickFree(browser, id) {
  const el = await browser.$(byTestId(id));
  await el.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(
    async () => {
      try {
        await el.click();
        return true;
      } catch (e) {
        if (/intercepted/.test(String(e))) return false;
        throw e;
      }
    },
    { timeout: 10_000, interval: 250, timeoutMsg: `${id} stayed covered` },
  );
}

/** Waits until an element stops moving: a click computed while a drawer still slides in lands
 * where the button was, which can be the drawer's overlay (and closes the drawer). */
async function settled(browser, el) {
  let last = '';
  let still = 0;
  await browser.waitUntil(
    async () => {
      const r = await el.getLocation();
      const now = `${Math.round(r.x)},${Math.round(r.y)}`;
      still = now === last ? still + 1 : 0;
      last = now;
      return still >= 2;
    },
    { timeout: 10_000, interval: 150, timeoutMsg: 'the element kept moving' },
  );
}

/** Clicks `id` until `shownId` is displayed: a click that lands while a drawer slides in or a toast
 * covers the button is lost or intercepted, so it is tried again (the opened dialog's overlay then
 * covers the button, so a second click cannot close what the first opened). */
async function openBy(browser, id, shownId) {
  const el = await browser.$(byTestId(id));
  const shown = await browser.$(byTestId(shownId));
  await el.waitForDisplayed({ timeout: 10_000 });
  await settled(browser, el);
  await browser.waitUntil(
    async () => {
      if (await shown.isDisplayed()) return true;
      await el.click().catch((e) => {
        if (!/intercepted|stale/.test(String(e))) throw e;
      });
      return shown.waitForDisplayed({ timeout: 2_000 }).then(
        () => true,
        () => false,
      );
    },
    { timeout: 20_000, interval: 100, timeoutMsg: `${id} never opened ${shownId}` },
  );
}

/** Clicks the preview's apply button once it has stopped moving, again only while the click is
 * intercepted (the dialog still fading in): an intercepted click never reached the button, so the
 * mutation cannot run twice. */
async function apply(browser) {
  const el = await browser.$(byTestId('preview-apply'));
  await el.waitForClickable({ timeout: 15_000 });
  await settled(browser, el);
  await clickFree(browser, 'preview-apply');
}

/** Ticks the preview's "I understand" box until it shows ticked (a click while the dialog is still
 * laying out can be intercepted and lost). */
async function acknowledge(browser) {
  const box = await browser.$(byTestId('preview-ack'));
  await box.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(
    async () => {
      if (await box.isSelected()) return true;
      await box.click().catch(() => {});
      return box.isSelected();
    },
    { timeout: 10_000, interval: 300, timeoutMsg: 'the acknowledgement never took' },
  );
}

/** The text content of every element with a test id (independent of CSS text transforms). */
async function texts(browser, id) {
  const out = [];
  for (const el of await browser.$$(byTestId(id))) out.push(String(await el.getProperty('textContent')).trim());
  return out;
}

async function shot(browser, name) {
  if (!shots) return;
  await new Promise((r) => setTimeout(r, 400));
  await browser.saveScreenshot(join(shots, `${name}.png`));
  console.log(`screenshot ${name}.png`);
}

let browser;
let failed = false;
try {
  await waitForDriver();
  browser = await remote({
    hostname: '127.0.0.1',
    port: 4444,
    logLevel: 'warn',
    // Classic WebDriver only: WebKitWebDriver does not speak WebDriver BiDi.
    capabilities: { 'tauri:options': { application: app }, 'wdio:enforceWebDriverClassic': true },
  });
  const screen = await browser.$(byTestId('connections-screen'));
  await screen.waitForDisplayed({ timeout: 30_000 });
  check(true, 'the app starts on the Connections screen');

  // Save a connection to the java5 cluster, testing it first.
  await openBy(browser, 'conn-new', 'conn-name');
  await typeInto(browser, 'conn-name', 'E2E java5');
  await typeInto(browser, 'conn-namesrv', namesrv);
  await typeInto(browser, 'conn-env-label', 'staging');
  await (await browser.$(byTestId('conn-readonly'))).click();
  await (await browser.$(byTestId('conn-test'))).click();
  const result = await browser.$(byTestId('test-result'));
  await result.waitForDisplayed({ timeout: 20_000 });
  const resultText = await result.getText();
  check(/2 brokers/.test(resultText), `Test connection reports 2 brokers (${resultText.split('\n')[0]})`);
  await (await browser.$(byTestId('conn-save'))).click();

  // Saving opens the Overview of the new connection.
  await (await browser.$(byTestId('overview-screen'))).waitForDisplayed({ timeout: 20_000 });
  await browser.waitUntil(async () => (await browser.$$(byTestId('broker-name'))).length === 2, {
    timeout: 20_000,
    timeoutMsg: 'two brokers never appeared',
  });
  const names = await texts(browser, 'broker-name');
  check(names.join(',') === 'broker-a,broker-b', `Overview lists both brokers (${names.join(', ')})`);
  const versions = await texts(browser, 'broker-version');
  check(versions.length === 2 && versions.every((v) => /^5\.\d+\.\d+$/.test(v)), `with their versions (${versions.join(', ')})`);
  const statuses = (await texts(browser, 'broker-status')).map((s) => s.toLowerCase());
  check(statuses.length === 2 && statuses.every((s) => s === 'up'), `both brokers are up (${statuses.join(', ')})`);
  const tab = await browser.$(byTestId('conn-tab'));
  const tabText = String(await tab.getProperty('textContent'));
  check(tabText.includes('E2E java5') && tabText.includes('staging') && tabText.includes('RO'), `the connection has a tab with its environment and a read-only badge (${tabText})`);
  await shot(browser, 'overview-light');

  // Ctrl+K palette: jump to a broker, its detail opens.
  await browser.keys(['Control', 'k']);
  const search = await browser.$('input[placeholder="Screens, connections, brokers…"]');
  await search.waitForDisplayed({ timeout: 5_000 });
  await search.addValue('broker-b');
  // Click the broker's entry (Enter picks whichever entry the list had selected while typing).
  const entry = await browser.$('//button[contains(., "broker-b (master)")]');
  await entry.waitForDisplayed({ timeout: 10_000 });
  await entry.click();
  const dialog = await browser.$('[role="dialog"]');
  await dialog.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => (await dialog.getText()).includes('brokerVersionDesc'), {
    timeout: 10_000,
    timeoutMsg: 'broker detail did not load',
  });
  check(true, 'the palette opens broker-b and its runtime stats');
  await shot(browser, 'broker-detail-light');
  await browser.keys('Escape');

  // Topics: the batched list, system topics hidden until asked for.
  const tNav = Date.now();
  await (await browser.$(byTestId('nav-topics'))).click();
  await (await browser.$(byTestId('topics-screen'))).waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => /of [1-9]/.test(String(await (await browser.$(byTestId('topic-count'))).getProperty('textContent'))), {
    timeout: 15_000,
    timeoutMsg: 'the topic list never arrived',
  });
  await (await browser.$(byTestId('topic-name'))).waitForDisplayed({ timeout: 10_000 });
  const countText = String(await (await browser.$(byTestId('topic-count'))).getProperty('textContent'));
  const total = Number((/of ([\d,]+)/.exec(countText)?.[1] ?? '0').replace(/,/g, ''));
  const renderMs = await (await browser.$(byTestId('topics-table'))).getAttribute('data-render-ms');
  console.log(
    `measure - Topics screen: ${total} topics; rows rendered ${renderMs} ms after the data arrived; first rows seen by WebDriver ${Date.now() - tNav} ms after the click (list call, IPC, polling included)`,
  );
  const hidden = await texts(browser, 'topic-name');
  check(!hidden.includes('TBW102'), `system topics are hidden by default (${hidden.length} shown)`);
  // Read-only connection: the write controls are there, disabled, and say why (hover shows it).
  const create = await browser.$(byTestId('topic-create'));
  check(!(await create.isEnabled()), 'on the read-only connection, Create topic is disabled');
  const why = String(await (await browser.$(byTestId('topic-create-reason'))).getProperty('textContent'));
  check(/read-only/i.test(why), `and says why (${why})`);
  await (await create.parentElement()).moveTo();
  await shot(browser, 'readonly-topics-light');
  // The chip's input is visually hidden: click its label.
  const chipId = await (await browser.$(byTestId('type-system'))).getAttribute('id');
  await (await browser.$(`label[for="${chipId}"]`)).click();
  if (total > 5000) {
    // A large cluster (the seeded 10,000 topics): a filtered view of it.
    await typeInto(browser, 'topic-search', 'BenchT0');
    await browser.waitUntil(async () => (await texts(browser, 'topic-name')).some((n) => n.startsWith('BenchT0')), { timeout: 5_000 });
    await shot(browser, 'topics-10k-filtered-light');
  }
  // The list is virtualized: search for TBW102 rather than expect it among the first rows.
  await typeInto(browser, 'topic-search', 'TBW102');
  await browser.waitUntil(async () => (await texts(browser, 'topic-name')).includes('TBW102'), {
    timeout: 5_000,
    timeoutMsg: 'system topics did not appear',
  });
  check(true, 'the System filter shows TBW102');
  await shot(browser, 'topics-light');
  for (const el of await browser.$$(byTestId('topic-name'))) {
    if (String(await el.getProperty('textContent')) === 'TBW102') {
      await el.click();
      break;
    }
  }
  const detailTotal = await browser.$(byTestId('topic-total'));
  await detailTotal.waitForDisplayed({ timeout: 10_000 });
  check(/^[\d,]+$/.test(String(await detailTotal.getProperty('textContent'))), 'a topic opens with its route and per-queue offsets');
  await shot(browser, 'topic-detail-light');
  await browser.keys('Escape');
  await (await browser.$(byTestId('nav-overview'))).click();

  // Dark theme, both screens.
  await (await browser.$(byTestId('theme-toggle'))).click();
  await shot(browser, 'overview-dark');
  await (await browser.$(byTestId('nav-connections'))).click();
  await (await browser.$(byTestId('connections-screen'))).waitForDisplayed({ timeout: 5_000 });
  await shot(browser, 'connections-dark');
  await (await browser.$(byTestId('theme-toggle'))).click();
  await shot(browser, 'connections-light');
  const rows = await texts(browser, 'conn-row-name');
  check(rows.includes('E2E java5'), 'the saved connection is listed');

  // A writable connection: create a topic, send a message, see it counted, delete it.
  const topic = `E2eTopic${Date.now()}`;
  await openBy(browser, 'conn-new', 'conn-name');
  await typeInto(browser, 'conn-name', 'E2E java5 rw');
  await typeInto(browser, 'conn-namesrv', namesrv);
  await typeInto(browser, 'conn-env-label', 'dev');
  await (await browser.$(byTestId('conn-save'))).click();
  await (await browser.$(byTestId('overview-screen'))).waitForDisplayed({ timeout: 20_000 });
  await browser.waitUntil(async () => (await browser.$$(byTestId('broker-name'))).length === 2, { timeout: 20_000 });
  await (await browser.$(byTestId('nav-topics'))).click();
  await openBy(browser, 'topic-create', 'topic-form-name');
  await typeInto(browser, 'topic-form-name', topic);
  await (await browser.$(byTestId('topic-form-preview'))).click();
  const mq = await browser.$(byTestId('preview-mqadmin'));
  await mq.waitForDisplayed({ timeout: 15_000 });
  const mqText = String(await mq.getProperty('textContent'));
  check(mqText.includes('mqadmin updateTopic') && mqText.includes(topic), `the preview shows the mqadmin equivalent (${mqText.split('\n')[0]})`);
  const changes = String(await (await browser.$(byTestId('preview-changes'))).getProperty('textContent'));
  check(changes.includes('broker-a') && changes.includes('broker-b') && changes.includes('writeQueues'), 'the preview lists the change on both brokers');
  await shot(browser, 'topic-preview-light');
  await apply(browser);
  await browser.waitUntil(async () => (await browser.$$(byTestId('topic-form'))).length === 0, { timeout: 20_000, timeoutMsg: 'the create did not finish' });
  await typeInto(browser, 'topic-search', topic);
  await browser.waitUntil(async () => (await texts(browser, 'topic-name')).includes(topic), {
    timeout: 20_000,
    timeoutMsg: 'the new topic never appeared in the list',
  });
  check(true, `the created topic ${topic} is listed`);
  for (const el of await browser.$$(byTestId('topic-name'))) {
    if (String(await el.getProperty('textContent')) === topic) {
      await el.click();
      break;
    }
  }
  await (await browser.$(byTestId('topic-total'))).waitForDisplayed({ timeout: 10_000 });
  await openBy(browser, 'topic-send', 'send-tag');
  await typeInto(browser, 'send-tag', 'TagE2E');
  await typeInto(browser, 'send-keys', 'e2e-key-1');
  await typeInto(browser, 'send-body', '{"hello":"e2e"}');
  await (await browser.$(byTestId('send-preview'))).click();
  await (await browser.$(byTestId('preview-apply'))).waitForClickable({ timeout: 15_000 });
  await apply(browser);
  const sent = await browser.$(byTestId('send-result-msgid'));
  await sent.waitForDisplayed({ timeout: 15_000 });
  check(/^[0-9A-F]{32}$/.test(String(await sent.getProperty('textContent'))), 'the send result shows the message id');
  await openBy(browser, 'send-open-message', 'message-detail');
  const body = String(await (await browser.$(byTestId('message-body'))).getProperty('textContent'));
  check(body.includes('"hello": "e2e"'), 'the sent message opens, body shown as pretty JSON');
  // Close the message, then the send form; the topic's drawer stays (reopened if Escape closed it).
  await browser.keys('Escape');
  await browser.waitUntil(async () => (await browser.$$(byTestId('message-detail'))).length === 0, { timeout: 5_000 });
  // The send form's own close button (Escape may also close the drawer underneath).
  if ((await browser.$$(byTestId('send-form'))).length > 0) await (await browser.$('.mantine-Modal-close')).click();
  await browser.waitUntil(async () => (await browser.$$(byTestId('send-form'))).length === 0, { timeout: 5_000 });
  // A drawer Escape closed may still be animating away: reopen it until its detail shows.
  for (let attempt = 0; attempt < 5; attempt++) {
    await new Promise((r) => setTimeout(r, 600));
    if (await (await browser.$(byTestId('topic-total'))).isDisplayed().catch(() => false)) break;
    if ((await browser.$$(byTestId('topic-detail'))).length > 0) continue;
    for (const el of await browser.$$(byTestId('topic-name'))) {
      if (String(await el.getProperty('textContent')) === topic) {
        await el.click().catch(() => {});
        break;
      }
    }
  }
  await (await browser.$(byTestId('topic-total'))).waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => String(await (await browser.$(byTestId('topic-total'))).getProperty('textContent')) === '1', {
    timeout: 15_000,
    timeoutMsg: 'the topic never counted the sent message',
  });
  check(true, 'the topic detail counts the sent message');
  await openBy(browser, 'topic-delete', 'preview-typed');
  await typeInto(browser, 'preview-typed', topic);
  await shot(browser, 'topic-delete-preview-light');
  await apply(browser);
  await browser.waitUntil(async () => (await browser.$$(byTestId('topic-detail'))).length === 0, { timeout: 20_000, timeoutMsg: 'the delete did not finish' });
  await browser.waitUntil(async () => !(await texts(browser, 'topic-name')).includes(topic), {
    timeout: 20_000,
    timeoutMsg: 'the deleted topic is still listed',
  });
  check(true, 'the deleted topic is gone from the list');
  await (await browser.$(byTestId('nav-audit'))).click();
  await (await browser.$(byTestId('audit-screen'))).waitForDisplayed({ timeout: 5_000 });
  await browser.waitUntil(async () => (await texts(browser, 'audit-row-action')).length >= 3, { timeout: 10_000 });
  const actions = (await texts(browser, 'audit-row-action')).slice(0, 3);
  check(actions.join(',') === 'topic.delete,message.send,topic.create', `the audit journal has the three changes (${actions.join(', ')})`);
  await shot(browser, 'audit-light');

  // Consumer groups: the seeded group with a backlog, its detail, reset to latest, to earliest, undo.
  await (await browser.$(byTestId('nav-groups'))).click();
  await (await browser.$(byTestId('groups-screen'))).waitForDisplayed({ timeout: 10_000 });
  await typeInto(browser, 'groups-search', 'sandbox-billing');
  await browser.waitUntil(async () => (await texts(browser, 'group-name')).some((n) => n.startsWith('sandbox-billing')), {
    timeout: 20_000,
    timeoutMsg: 'the seeded group never appeared',
  });
  const lagText = (await texts(browser, 'group-lag'))[0] ?? '';
  check(/^[1-9][\d,]*$/.test(lagText), `the seeded group has a backlog (lag ${lagText})`);
  // TPS comes from the second read (consume stats per group and topic) and fills its column.
  await browser.waitUntil(async () => (await texts(browser, 'group-tps')).length > 0, {
    timeout: 20_000,
    timeoutMsg: 'the TPS column was never filled',
  });
  check(/^[\d.,]+$/.test((await texts(browser, 'group-tps'))[0] ?? ''), 'the TPS column is filled from the activity read');
  await typeInto(browser, 'groups-search', '');
  await shot(browser, 'groups-light');
  await typeInto(browser, 'groups-search', 'sandbox-billing');
  for (const el of await browser.$$(byTestId('group-name'))) {
    if (String(await el.getProperty('textContent')).startsWith('sandbox-billing')) {
      await el.click();
      break;
    }
  }
  await (await browser.$(byTestId('group-queues'))).waitForDisplayed({ timeout: 10_000 });
  await shot(browser, 'group-detail-light');
  const resetTo = async (label, expectText) => {
    await clickFree(browser, 'group-reset');
    await (await browser.$(byTestId('reset-form'))).waitForDisplayed({ timeout: 10_000 });
    for (const el of await browser.$$(`${byTestId('reset-mode')} label`)) {
      if ((await el.getText()).startsWith(label)) {
        await el.click();
        break;
      }
    }
    await (await browser.$(byTestId('reset-preview'))).click();
    const queues = await browser.$(byTestId('reset-queues'));
    await queues.waitForDisplayed({ timeout: 20_000 });
    const text = String(await queues.getProperty('textContent'));
    check(expectText.test(text), `the ${label} preview shows every queue (${text.slice(0, 90)}…)`);
    return text;
  };
  await resetTo('Latest', /[1-9][\d,]* skipped/);
  await acknowledge(browser);
  await apply(browser);
  await (await browser.$(byTestId('reset-outcome'))).waitForDisplayed({ timeout: 40_000 });
  check(/Every queue took/.test(String(await (await browser.$(byTestId('reset-outcome'))).getProperty('textContent'))), 'reset to latest: every queue took');
  await (await browser.$(byTestId('reset-result-close'))).click();
  await resetTo('Earliest', /[1-9][\d,]* re-read/);
  await shot(browser, 'group-reset-preview-light');
  await apply(browser);
  await (await browser.$(byTestId('reset-outcome'))).waitForDisplayed({ timeout: 40_000 });
  check(/Every queue took/.test(String(await (await browser.$(byTestId('reset-outcome'))).getProperty('textContent'))), 'reset to earliest: every queue took');
  await shot(browser, 'group-reset-result-light');
  await (await browser.$(byTestId('reset-result-undo'))).click();
  const undoQueues = await browser.$(byTestId('reset-queues'));
  await undoQueues.waitForDisplayed({ timeout: 20_000 });
  check(/[1-9][\d,]* skipped/.test(String(await undoQueues.getProperty('textContent'))), 'the undo preview moves the offsets back to where they were');
  await acknowledge(browser);
  await apply(browser);
  await (await browser.$(byTestId('reset-outcome'))).waitForDisplayed({ timeout: 40_000 });
  check(/Every queue took/.test(String(await (await browser.$(byTestId('reset-outcome'))).getProperty('textContent'))), 'undo: every queue restored');
  await (await browser.$(byTestId('reset-result-close'))).click();
  await browser.waitUntil(async () => (await texts(browser, 'group-snapshot')).some((t) => t.includes('restored')), {
    timeout: 15_000,
    timeoutMsg: 'the snapshot was never marked restored',
  });
  check(true, 'the restored snapshot is marked in the group detail');
  if ((await browser.$$('.mantine-Drawer-close')).length > 0) await (await browser.$('.mantine-Drawer-close')).click();
  await (await browser.$(byTestId('nav-audit'))).click();
  await (await browser.$(byTestId('audit-screen'))).waitForDisplayed({ timeout: 5_000 });
  await browser.waitUntil(async () => (await texts(browser, 'audit-row-action'))[0]?.startsWith('group.reset_offset'), { timeout: 10_000 });
  const resets = (await texts(browser, 'audit-row-action')).slice(0, 3);
  check(
    resets.join(',') === 'group.reset_offset.undo,group.reset_offset,group.reset_offset',
    `the journal has the two resets and the undo (${resets.join(', ')})`,
  );

  // Create a consumer group through its form and preview; then reset both seeded groups at once
  // as a job (progress bar, one result per group).
  await (await browser.$(byTestId('nav-groups'))).click();
  await (await browser.$(byTestId('groups-screen'))).waitForDisplayed({ timeout: 10_000 });
  const newGroup = `e2e-group-${Date.now()}`;
  await openBy(browser, 'groups-create', 'group-form-name');
  await typeInto(browser, 'group-form-name', newGroup);
  await typeInto(browser, 'group-form-retry-max', '5');
  await (await browser.$(byTestId('group-form-preview'))).click();
  await (await browser.$(byTestId('preview-changes'))).waitForDisplayed({ timeout: 20_000 });
  const createChanges = String(await (await browser.$(byTestId('preview-changes'))).getProperty('textContent'));
  check(/retryMaxTimes/.test(createChanges) && /5/.test(createChanges), 'the create preview lists the group settings per broker');
  await shot(browser, 'group-create-preview-light');
  await apply(browser);
  await typeInto(browser, 'groups-search', newGroup);
  await browser.waitUntil(async () => (await texts(browser, 'group-name')).includes(newGroup), {
    timeout: 20_000,
    timeoutMsg: 'the created group never appeared in the list',
  });
  check(true, `the created group ${newGroup} is listed`);
  // Delete it from its detail: the preview names each broker's config; the name must be typed.
  await (await browser.$(`//*[@data-testid="group-name" and text()="${newGroup}"]`)).click();
  await (await browser.$(byTestId('group-delete'))).click();
  await (await browser.$(byTestId('group-delete-preview'))).click();
  await (await browser.$(byTestId('preview-changes'))).waitForDisplayed({ timeout: 20_000 });
  const deleteChanges = String(await (await browser.$(byTestId('preview-changes'))).getProperty('textContent'));
  check(/broker-a/.test(deleteChanges) && /broker-b/.test(deleteChanges) && /subscription group/.test(deleteChanges), 'the delete preview names the group on both brokers');
  check(!(await (await browser.$(byTestId('preview-apply'))).isEnabled()), 'deleting needs the group name typed');
  await typeInto(browser, 'preview-typed', newGroup);
  await shot(browser, 'group-delete-preview-light');
  await apply(browser);
  await browser.waitUntil(async () => !(await texts(browser, 'group-name')).includes(newGroup), {
    timeout: 20_000,
    timeoutMsg: 'the deleted group is still listed',
  });
  check(true, 'the deleted group is gone from the list');
  await typeInto(browser, 'groups-search', 'sandbox-');
  await browser.waitUntil(async () => (await texts(browser, 'group-name')).length === 2, { timeout: 10_000, timeoutMsg: 'the two seeded groups are not listed' });
  await (await browser.$(byTestId('groups-select-all'))).click();
  await (await browser.$(byTestId('groups-bulk-reset'))).click();
  await typeInto(browser, 'bulk-topic', 'SandboxOrders');
  await (await browser.$(byTestId('bulk-preview'))).click();
  await (await browser.$(byTestId('bulk-plan'))).waitForDisplayed({ timeout: 20_000 });
  const planRows = await browser.$$(byTestId('bulk-plan-row'));
  check(planRows.length === 2, `the bulk preview lists both groups (${planRows.length})`);
  await shot(browser, 'groups-bulk-preview-light');
  await apply(browser);
  await (await browser.$(byTestId('bulk-outcome'))).waitForDisplayed({ timeout: 60_000 });
  const bulkOutcome = String(await (await browser.$(byTestId('bulk-outcome'))).getProperty('textContent'));
  const bulkRows = await texts(browser, 'bulk-result-row');
  // A group already where the reset would put it is reported as having nothing to change.
  check(
    bulkOutcome === 'completed' && bulkRows.length === 2 && bulkRows.every((r) => /ok|nothing to change/.test(r)) && bulkRows.some((r) => /ok/.test(r)),
    `the bulk reset job completed, one result per group (${bulkOutcome}: ${bulkRows.join(' | ')})`,
  );
  check(/2 of 2 groups/.test(String(await (await browser.$(byTestId('bulk-progress-text'))).getProperty('textContent'))), 'the progress reads 2 of 2 groups');
  await shot(browser, 'groups-bulk-result-light');
  await (await browser.$(byTestId('bulk-close'))).click();

  // Messages: find a seeded message by key, open it, switch to the hex view; scan by time range.
  await (await browser.$(byTestId('nav-messages'))).click();
  await (await browser.$(byTestId('messages-screen'))).waitForDisplayed({ timeout: 10_000 });
  await typeInto(browser, 'key-topic', 'SandboxOrders');
  await browser.keys('Escape');
  await typeInto(browser, 'key-key', 'orders-00001');
  await (await browser.$(byTestId('key-search'))).click();
  await (await browser.$(byTestId('key-count'))).waitForDisplayed({ timeout: 20_000 });
  const keyCount = String(await (await browser.$(byTestId('key-count'))).getProperty('textContent'));
  check(/^[1-9]\d* message/.test(keyCount), `the key search finds the seeded message (${keyCount})`);
  await shot(browser, 'messages-key-light');
  await (await browser.$('//*[@data-testid="key-results"]//td[contains(., "orders-00001")]')).click();
  await (await browser.$(byTestId('message-detail'))).waitForDisplayed({ timeout: 10_000 });
  const jsonBody = String(await (await browser.$(byTestId('message-body'))).getProperty('textContent'));
  check(/"id": "orders-00001"/.test(jsonBody), 'the message opens with its body as pretty JSON');
  await shot(browser, 'message-detail-json-light');
  for (const el of await browser.$$(`${byTestId('message-body-view')} label`)) {
    if ((await el.getText()) === 'Hex') {
      await el.click();
      break;
    }
  }
  await browser.waitUntil(async () => /^00000000 {2}7b 22/.test(String(await (await browser.$(byTestId('message-body'))).getProperty('textContent'))), {
    timeout: 5_000,
    timeoutMsg: 'the hex view never showed the body bytes',
  });
  check(true, 'the hex view shows the body bytes');
  await shot(browser, 'message-detail-hex-light');
  // Export the open message to a JSON file and read the file back.
  const exportPath = join(tmpdir(), `rmq-e2e-export-${process.pid}.json`);
  rmSync(exportPath, { force: true });
  await (await browser.$(byTestId('message-export'))).click();
  await (await browser.$(byTestId('export-modal'))).waitForDisplayed({ timeout: 5_000 });
  await browser.waitUntil(async () => String(await (await browser.$(byTestId('export-path'))).getValue()).endsWith('.json'), {
    timeout: 5_000,
    timeoutMsg: 'no export path was suggested',
  });
  await typeInto(browser, 'export-path', exportPath);
  await (await browser.$(byTestId('export-start'))).click();
  await (await browser.$(byTestId('export-done'))).waitForDisplayed({ timeout: 20_000 });
  const exported = existsSync(exportPath) ? JSON.parse(readFileSync(exportPath, 'utf8')) : [];
  check(
    exported.length === 1 && exported[0].keys.includes('orders-00001') && typeof exported[0].bodyBase64 === 'string',
    `the export wrote the message to ${exportPath} (${exported.length} message)`,
  );
  await shot(browser, 'message-export-light');
  rmSync(exportPath, { force: true });
  await browser.keys('Escape');
  await browser.keys('Escape');
  // The seeded message was sent without tracing: its Trace says why there is no record.
  await browser.waitUntil(async () => (await browser.$$(byTestId('message-detail'))).length === 0, { timeout: 5_000 });
  await (await browser.$('//*[@data-testid="key-results"]//td[contains(., "orders-00001")]')).click();
  await openBy(browser, 'message-trace', 'trace-result');
  await browser.waitUntil(async () => (await browser.$$(byTestId('trace-notes'))).length > 0, { timeout: 20_000, timeoutMsg: 'the trace lookup never answered' });
  const untraced = String(await (await browser.$(byTestId('trace-notes'))).getProperty('textContent'));
  check(/No trace record/.test(untraced) && /enableMsgTrace/.test(untraced), 'a message sent without tracing gets the reasons, not an empty trace');
  await shot(browser, 'message-trace-missing-light');
  await browser.keys('Escape');
  await browser.keys('Escape');
  await browser.waitUntil(async () => (await browser.$$(byTestId('message-detail'))).length === 0, { timeout: 5_000 });
  // A message the official Java client sent and consumed with tracing on (failed once, then
  // consumed): its timeline on the trace screen.
  if (process.env.RMQ_TRACED_ID) {
    await (await browser.$(byTestId('nav-trace'))).click();
    await (await browser.$(byTestId('trace-screen'))).waitForDisplayed({ timeout: 10_000 });
    await typeInto(browser, 'trace-input', process.env.RMQ_TRACED_ID);
    await (await browser.$(byTestId('trace-search'))).click();
    await (await browser.$(byTestId('trace-message'))).waitForDisplayed({ timeout: 20_000 });
    const attempts = await browser.$$(byTestId('trace-attempt'));
    const store = await browser.$$(byTestId('trace-store'));
    check(attempts.length === 2 && store.length === 1, `the timeline shows the store and both attempts (${attempts.length} attempts)`);
    await shot(browser, 'trace-timeline-light');
    await (await browser.$(byTestId('nav-messages'))).click();
    await (await browser.$(byTestId('messages-screen'))).waitForDisplayed({ timeout: 10_000 });
  }
  for (const el of await browser.$$(`${byTestId('messages-mode')} label`)) {
    if ((await el.getText()) === 'By time range') {
      await el.click();
      break;
    }
  }
  await typeInto(browser, 'scan-topic', 'SandboxOrders');
  await browser.keys('Escape');
  await typeInto(browser, 'scan-body', 'EUR');
  await typeInto(browser, 'scan-limit', '50');
  await (await browser.$(byTestId('scan-start'))).click();
  await (await browser.$(byTestId('scan-state'))).waitForDisplayed({ timeout: 30_000 });
  const scanState = String(await (await browser.$(byTestId('scan-state'))).getProperty('textContent'));
  const scanText = String(await (await browser.$(byTestId('scan-progress-text'))).getProperty('textContent'));
  check(scanState === 'truncated at the cap' && /\(50 matched\)/.test(scanText), `the scan stops at the cap and says so (${scanState}: ${scanText})`);
  await shot(browser, 'messages-scan-light');

  // Live tail, filtered by tag: messages sent while it runs appear, with the rate.
  if (process.env.RMQ_CLI) {
    for (const el of await browser.$$(`${byTestId('messages-mode')} label`)) {
      if ((await el.getText()) === 'Live tail') {
        await el.click();
        break;
      }
    }
    await typeInto(browser, 'tail-topic', 'SandboxOrders');
    await browser.keys('Escape');
    await typeInto(browser, 'tail-tags', 'seed');
    await (await browser.$(byTestId('tail-start'))).click();
    await (await browser.$(byTestId('tail-stop'))).waitForDisplayed({ timeout: 10_000 });
    let sending = true;
    const sender = (async () => {
      for (let i = 0; sending && i < 40; i++) {
        await new Promise((resolve) => {
          execFile(process.env.RMQ_CLI, ['seed-messages', '--namesrv', namesrv, '--topic', 'SandboxOrders', '--count', '150', '--body-size', '80', '--prefix', `tail${i}`], () => resolve());
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    })();
    await browser.waitUntil(async () => /[1-9][\d,]* received/.test(String(await (await browser.$(byTestId('tail-rate'))).getProperty('textContent'))), {
      timeout: 30_000,
      timeoutMsg: 'the tail never showed a message',
    });
    await browser.waitUntil(async () => /^[1-9][\d,]* msg\/s/.test(String(await (await browser.$(byTestId('tail-rate'))).getProperty('textContent'))), {
      timeout: 15_000,
      timeoutMsg: 'the tail never showed a rate',
    });
    await shot(browser, 'messages-tail-light');
    const tailText = String(await (await browser.$(byTestId('tail-rate'))).getProperty('textContent'));
    // Paused, the rows stay put while they are read (arrivals are only counted).
    await (await browser.$(byTestId('tail-pause'))).click();
    await browser.pause(300);
    const tags = await browser.$$('//*[@data-testid="tail-results"]//tbody/tr/td[2]');
    const shown = [];
    for (const t of tags.slice(0, 10)) shown.push(await t.getText());
    check(shown.length > 0 && shown.every((t) => t === 'seed'), `the live tail shows the new messages with their rate (${tailText}; tags ${[...new Set(shown)].join(',')})`);
    sending = false;
    await sender;
    await (await browser.$(byTestId('tail-stop'))).click();
    await (await browser.$(byTestId('tail-start'))).waitForDisplayed({ timeout: 10_000 });
    check(true, 'the tail stops');
  }

  // Dead letters (the test command drove 12 messages of refunds-dlq into its DLQ): the
  // overview counts them, the browse lists them with their original topic, a dead letter opens
  // with its trace button, and the replay goes through the dry run, the preview and the job to
  // its report.
  if (process.env.RMQ_DLQ_GROUP) {
    const group = process.env.RMQ_DLQ_GROUP;
    await (await browser.$(byTestId('nav-dlq'))).click();
    await (await browser.$(byTestId('dlq-screen'))).waitForDisplayed({ timeout: 10_000 });
    const row = await browser.$(`//*[@data-testid="dlq-table"]//td[contains(., "${group}")]/..`);
    await row.waitForDisplayed({ timeout: 30_000 });
    check(/\b12\b/.test(await row.getText()), `the dead-letter overview counts the group's 12 dead letters (${await row.getText()})`);
    await shot(browser, 'dlq-overview-light');
    await (await browser.$(`//*[@data-testid="dlq-table"]//td[contains(., "${group}")]`)).click();
    await (await browser.$(byTestId('dlq-browse-count'))).waitForDisplayed({ timeout: 20_000 });
    const browsed = String(await (await browser.$(byTestId('dlq-browse-count'))).getProperty('textContent'));
    check(/^12 dead letter/.test(browsed), `the browse lists them (${browsed})`);
    const table = String(await (await browser.$(byTestId('dlq-browse-table'))).getProperty('textContent'));
    check(table.includes('SandboxRefunds'), 'each dead letter shows its original topic');
    await shot(browser, 'dlq-browse-light');
    await openBy(browser, 'dlq-replay-all', 'replay-modal');
    await (await browser.$(byTestId('replay-dry-run'))).click();
    await (await browser.$(byTestId('replay-plan-total'))).waitForDisplayed({ timeout: 20_000 });
    const dry = String(await (await browser.$(byTestId('replay-plan-total'))).getProperty('textContent'));
    check(/^12 dead letter\(s\): 12 to replay/.test(dry), `the dry run counts them (${dry})`);
    await shot(browser, 'dlq-dry-run-light');
    await openBy(browser, 'replay-preview', 'preview-apply');
    await apply(browser);
    await (await browser.$(byTestId('replay-summary'))).waitForDisplayed({ timeout: 60_000 });
    const done = String(await (await browser.$(byTestId('replay-summary'))).getProperty('textContent'));
    check(/^Done: 12 sent/.test(done), `the replay sends every one (${done})`);
    await shot(browser, 'dlq-replay-done-light');
    await (await browser.$(byTestId('replay-close'))).click();
    await browser.keys('Escape');
    await openBy(browser, 'replay-report-open', 'replay-report');
    const report = String(await (await browser.$(byTestId('replay-report'))).getProperty('textContent'));
    check((report.match(/SEND_OK/g) ?? []).length === 12, 'the report lists every message as SEND_OK');
    await shot(browser, 'dlq-replay-report-light');
    await browser.keys('Escape');
  }

  if (process.env.RMQ_CLUSTER) {
    await (await browser.$(byTestId('nav-overview'))).click();
    await (await browser.$(byTestId('overview-screen'))).waitForDisplayed({ timeout: 5_000 });
    execFileSync(join(process.cwd(), 'tests', 'cluster'), ['kill-broker', process.env.RMQ_CLUSTER, 'broker-b'], {
      stdio: 'inherit',
    });
    const t0 = Date.now();
    await browser.waitUntil(
      async () => (await texts(browser, 'broker-status')).some((s) => s.toLowerCase().startsWith('down')),
      { timeout: 40_000, interval: 500, timeoutMsg: 'the killed broker was never marked down' },
    );
    const after = await texts(browser, 'broker-name');
    const statuses = await texts(browser, 'broker-status');
    check(
      after.includes('broker-b') && statuses.length === 2,
      `the killed broker is marked down on a background refresh, still listed (${statuses.join(', ')}, ${Math.round((Date.now() - t0) / 1000)} s)`,
    );
    await shot(browser, 'overview-broker-down');
    const t1 = Date.now();
    await (await browser.$(byTestId('nav-connections'))).click();
    await (await browser.$(byTestId('connections-screen'))).waitForDisplayed({ timeout: 5_000 });
    check(true, `the app stays responsive (screen switch in ${Date.now() - t1} ms)`);
  }

  // TLS: a connection to the TLS-only cluster, its certificate checked against the harness CA.
  if (process.env.RMQ_TLS_NAMESRV && process.env.RMQ_TLS_CA) {
    await (await browser.$(byTestId('nav-connections'))).click();
    await openBy(browser, 'conn-new', 'conn-name');
    await typeInto(browser, 'conn-name', 'E2E TLS');
    await typeInto(browser, 'conn-namesrv', process.env.RMQ_TLS_NAMESRV);
    await (await browser.$('//*[@data-testid="conn-tls-mode"]//label[normalize-space(.)="TLS"]')).click();
    await (await browser.$(byTestId('conn-tls-verify'))).click();
    await (await browser.$('//*[@role="option"][normalize-space(.)="CA certificate file"]')).click();
    await typeInto(browser, 'conn-tls-ca', process.env.RMQ_TLS_CA);
    await (await browser.$(byTestId('conn-test'))).click();
    const tls = await browser.$(byTestId('test-tls'));
    await tls.waitForDisplayed({ timeout: 20_000 });
    const tlsText = await tls.getText();
    check(/TLSv1_[23]/.test(tlsText) && tlsText.includes('CN=localhost'), `Test connection reports the TLS session (${tlsText.split('\n').find((l) => l.includes('TLSv1_'))})`);
    await shot(browser, 'connection-tls-light');
    await (await browser.$(byTestId('conn-save'))).click();
    await (await browser.$(byTestId('overview-screen'))).waitForDisplayed({ timeout: 20_000 });
    await browser.waitUntil(async () => (await texts(browser, 'broker-status')).filter((x) => x.toLowerCase() === 'up').length === 2, {
      timeout: 20_000,
      timeoutMsg: 'the TLS cluster never showed two brokers up',
    });
    check(true, 'the Overview of the TLS-only cluster shows both brokers up');
  }

  // Address rewrite: brokers that advertise 127.0.0.2, where nothing listens.
  if (process.env.RMQ_UNBOUND_NAMESRV) {
    await (await browser.$(byTestId('nav-connections'))).click();
    await openBy(browser, 'conn-new', 'conn-name');
    await typeInto(browser, 'conn-name', 'E2E rewrite');
    await typeInto(browser, 'conn-namesrv', process.env.RMQ_UNBOUND_NAMESRV);
    await (await browser.$(byTestId('conn-rewrite-add'))).click();
    await typeInto(browser, 'conn-rewrite-from-0', '127.0.0.2');
    await typeInto(browser, 'conn-rewrite-to-0', '127.0.0.1');
    await (await browser.$(byTestId('conn-test'))).click();
    const rw = await browser.$(byTestId('test-rewrites'));
    await rw.waitForDisplayed({ timeout: 20_000 });
    check((await rw.getText()).includes('127.0.0.2:'), 'Test connection lists the rewrites it applied');
    await shot(browser, 'connection-rewrite-light');
    await (await browser.$(byTestId('conn-save'))).click();
    await (await browser.$(byTestId('overview-screen'))).waitForDisplayed({ timeout: 20_000 });
    await browser.waitUntil(async () => (await browser.$$(byTestId('broker-dialed'))).length === 2, {
      timeout: 20_000,
      timeoutMsg: 'the dialled addresses never showed',
    });
    const dialed = await texts(browser, 'broker-dialed');
    check(dialed.every((d) => d.includes('127.0.0.2:') && d.includes('127.0.0.1:')), `the Overview shows advertised and dialled addresses (${dialed.join(' | ')})`);
    await shot(browser, 'overview-rewrite-light');
  }
} catch (e) {
  failed = true;
  console.error(e);
  if (browser) await shot(browser, 'failure').catch(() => {});
} finally {
  if (browser) await browser.deleteSession().catch(() => {});
  stopDriver();
}
process.exit(failed ? 1 : 0);
