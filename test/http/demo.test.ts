// The demo page (GET /demo) in headless Chromium: two users on two pages chat, join a room, survive a
// dropped event stream (EventSource reconnects by itself with Last-Event-ID), and a page on another
// origin works when CORS_ORIGINS lists it. DEMO_SCREENSHOT=docs/demo.png also writes the README's picture.
import t from 'tap';
import type { Page } from 'playwright-core';
import { launchChromium, startCutProxy, startDemoSite } from '../helpers/browser.js';
import { befriend, startGateway } from '../helpers/gateway.js';
import { startProsody, type TestUser } from '../helpers/prosody.js';

const prosody = await startProsody({ users: 3, lean: true });
const allowedSite = await startDemoSite();
const otherSite = await startDemoSite();
// A ticket outlives this whole file: reconnecting after the ticket's lifetime is another matter.
const gw = await startGateway(prosody, { corsOrigins: [allowedSite.url], ticketTtlS: 600 });
const proxy = await startCutProxy(gw.url);
const browser = await launchChromium();
t.teardown(async () => {
  await browser.close();
  await proxy.close();
  await gw.close();
  await allowedSite.close();
  await otherSite.close();
  await prosody.stop();
});
const [alice, bob, carol] = prosody.users as [TestUser, TestUser, TestUser];
const ROOM = 'demo@conference.localhost';

async function openDemo(url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 720 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  await page.goto(url);
  return page;
}

async function logIn(page: Page, user: TestUser): Promise<void> {
  await page.fill('#jid', user.jid);
  await page.fill('#password', user.password);
  await page.fill('#host', prosody.host);
  await page.fill('#port', String(prosody.port));
  await page.click('#login-button');
  await page.waitForSelector('#status[data-state="live"]');
}

async function send(page: Page, to: string, text: string): Promise<void> {
  await page.fill('#to', to);
  await page.fill('#text', text);
  await page.click('#send button');
  // The form clears the text once the gateway has answered.
  await page.waitForSelector('#text:placeholder-shown');
}

const messageTexts = (page: Page) => page.$$eval('#messages li .content', (els) => els.map((e) => e.textContent));

await befriend(gw, alice, bob);
const pageA = await openDemo(`${proxy.url}/demo`);
const pageB = await openDemo(`${proxy.url}/demo`);

t.test('two users on two pages: presence, a message from one appears on the other, as text', async (t) => {
  await logIn(pageA, alice);
  await logIn(pageB, bob);
  await pageB.waitForSelector(`#presence li[data-jid="${alice.jid}"] .show:text-is("online")`);
  await send(pageA, bob.jid, 'hello from alice');
  await pageB.locator('#messages li', { hasText: 'hello from alice' }).waitFor();
  t.equal(await pageB.textContent('#messages li:last-child .from'), alice.jid);

  const markup = '<img src=x onerror="document.title=\'pwned\'"><b>bold</b>';
  await send(pageA, bob.jid, markup);
  await pageB.locator('#messages li', { hasText: '<b>bold</b>' }).waitFor();
  t.equal((await messageTexts(pageB)).at(-1), markup, 'the markup is shown as its text');
  t.equal(await pageB.locator('#messages img, #messages b').count(), 0, 'no element was created from it');
  t.not(await pageB.title(), 'pwned');
});

t.test('both join a room; a room message appears on the other page', async (t) => {
  for (const [page, nick] of [
    [pageA, 'alice'],
    [pageB, 'bob'],
  ] as const) {
    await page.fill('#room', ROOM);
    await page.fill('#nick', nick);
    await page.click('#join button');
    await page.waitForSelector('#to:not(:placeholder-shown)');
  }
  await pageA.locator('#occupants li', { hasText: 'bob' }).waitFor();
  await send(pageA, ROOM, 'hello room');
  await pageB.locator('#messages li', { hasText: 'hello room' }).waitFor();
  t.match(await pageB.textContent('#messages li:last-child .from'), `${ROOM}/alice`);
});

t.test('a dropped stream: EventSource reconnects by itself with Last-Event-ID and nothing is lost', async (t) => {
  const before = await messageTexts(pageB);
  const lastId = await pageB.textContent('#last-id');
  t.ok(lastId && lastId !== '–', 'page B has a cursor');
  // Page B's EventSource URL (its ticket) as the proxy sees it: only that stream is cut.
  const esUrl = new URL(String(await pageB.evaluate('state.es.url')));
  const streamUrl = esUrl.pathname + esUrl.search;
  const isB = (url: string) => url === streamUrl;
  const firstRequest = proxy.requests.length;

  proxy.holdStreams(isB);
  proxy.cutStreams(isB);
  await pageB.waitForSelector('#status[data-state="reconnecting"]');
  const sent = ['while cut 1', 'while cut 2', 'while cut 3'];
  for (const text of sent) await send(pageA, bob.jid, text);
  // The gateway has logged them for page B's session while its stream was down.
  await waitForMetric(/^gateway_xmpp_events_total\{event="xmpp.chat.message"\} (\d+)$/m, (n) => n >= 5);
  t.same(await messageTexts(pageB), before, 'nothing arrives while the stream is down');

  proxy.holdStreams(undefined);
  await pageB.waitForSelector('#status[data-state="live"]');
  await pageB.locator('#messages li', { hasText: 'while cut 3' }).waitFor();
  t.same(await messageTexts(pageB), [...before, ...sent], 'every message once, in order');

  const after = proxy.requests.slice(firstRequest);
  const retries = after.filter((r) => r.method === 'GET' && r.url.startsWith('/v1/events') && r.headers['last-event-id'] !== undefined);
  t.ok(retries.length >= 1, 'EventSource reconnected');
  for (const r of retries) {
    t.equal(r.url, streamUrl, 'with the same URL and ticket');
    t.equal(r.headers['last-event-id'], lastId, 'resuming from the last id it saw');
  }
  t.notOk(
    after.some((r) => r.url === '/v1/events/ticket' || (r.url.startsWith('/v1/events?') && r.url !== streamUrl)),
    'the page fetched no new ticket: the browser reconnected by itself',
  );

  if (process.env.DEMO_SCREENSHOT) await pageB.screenshot({ path: process.env.DEMO_SCREENSHOT, fullPage: true });
});

async function waitForMetric(pattern: RegExp, ok: (n: number) => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const m = pattern.exec(await (await fetch(`${gw.url}/metrics`)).text());
    if (m && ok(Number(m[1]))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`metric ${pattern} did not reach its value`);
}

t.test('another origin: the page works when CORS_ORIGINS lists it, and fails clearly when not', async (t) => {
  const page = await openDemo(`${allowedSite.url}/demo?gateway=${encodeURIComponent(gw.url)}`);
  await logIn(page, carol);
  await send(page, bob.jid, 'hello from another origin');
  await pageB.locator('#messages li', { hasText: 'hello from another origin' }).waitFor();
  t.equal(await pageB.textContent('#messages li:last-child .from'), carol.jid);

  const refused = await openDemo(`${otherSite.url}/demo?gateway=${encodeURIComponent(gw.url)}`);
  await refused.fill('#jid', carol.jid);
  await refused.fill('#password', carol.password);
  await refused.click('#login-button');
  await refused.waitForSelector('#error:not(:empty)');
  t.equal(await refused.getAttribute('#status', 'data-state'), 'signed-out');

  const preflight = (origin: string) =>
    fetch(`${gw.url}/v1/login`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
  const ok = await preflight(allowedSite.url);
  t.equal(ok.status, 204);
  t.equal(ok.headers.get('access-control-allow-origin'), allowedSite.url);
  const no = await preflight(otherSite.url);
  t.equal(no.status, 403);
  t.match(await no.json(), { type: 'cancel', condition: 'forbidden', description: `Origin ${otherSite.url} is not in CORS_ORIGINS` });
  t.equal(no.headers.get('access-control-allow-origin'), null);
});
