import 'reflect-metadata';
import fs from 'node:fs';
import { chromium, type Browser, type Page, type Response, type WebSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/events/change-event.js';
import { createCaller, startApiServer, waitFor, type ApiServer, type Caller } from './support/api-server.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT_DIR = process.env.KUBEGRAPH_SCREENSHOT_DIR;

let server: ApiServer;
let admin: Caller;
let browser: Browser;
let page: Page;
const requests: string[] = [];
const sockets: WebSocket[] = [];
const foreign: string[] = [];
/** Responses for GraphiQL's assets (under /graphiql/), as the browser received them. */
const assets: Response[] = [];

/** A page in a fresh browser context (empty storage) whose every request to anything but the server is refused. */
async function openPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const origin = new URL(server.baseUrl).origin;
  // Every request leaves through here: anything not for this server is recorded and refused.
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    requests.push(`${route.request().method()} ${url}`);
    const local = url.startsWith('data:') || url.startsWith('blob:') || new URL(url).origin === origin;
    if (local) await route.continue();
    else {
      foreign.push(url);
      await route.abort();
    }
  });
  const opened = await context.newPage();
  opened.on('websocket', (ws) => sockets.push(ws));
  opened.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin) foreign.push(url);
  });
  opened.on('response', (res) => {
    if (new URL(res.url()).pathname.startsWith('/graphiql/')) assets.push(res);
  });
  return opened;
}

const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';

/** Replaces the content of the Monaco editor inside `selector` with `text`. */
async function setEditor(selector: string, text: string, on = page): Promise<void> {
  await on.locator(`${selector} .monaco-editor`).first().click();
  await on.keyboard.press('Control+A');
  await on.keyboard.press('Delete');
  // insertText bypasses Monaco's bracket and quote auto-closing.
  await on.keyboard.insertText(text);
}

/** Waits until GraphiQL has parsed the edited document (its tab takes the operation's name). */
async function parsed(name: string, on = page): Promise<void> {
  await on.locator('.graphiql-tab-active', { hasText: name }).waitFor({ timeout: 30_000 });
}

/** Runs the operation once GraphiQL has parsed the edited document. */
async function runOperation(name: string): Promise<void> {
  await parsed(name);
  await page.locator('.graphiql-execute-button').click();
}

async function responseText(on = page): Promise<string> {
  // Monaco renders spaces as no-break spaces.
  return (await on.locator('.graphiql-response').innerText()).replace(/\u00a0/g, ' ');
}

/** The result pane as JSON; a long line the editor wraps (at a space) reads as one again. */
async function responseJson(on: Page): Promise<unknown> {
  return JSON.parse((await responseText(on)).replace(/\s+/g, ' '));
}

/** The pod row as the change feed carries it, changed as `type`. */
async function podEvent(organizationId: string): Promise<ChangeEvent> {
  const [row] = await server.db.dataSource.query(`SELECT * FROM k8s_pods WHERE name = 'checkout-7d9f'`);
  const state = Object.fromEntries(Object.entries(row as Record<string, unknown>).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), v]));
  return { organizationId, clusterId: row.cluster_id, kind: 'Pod', type: 'MODIFIED', namespace: 'shop', name: row.name, uid: row.uid, changedFields: ['phase'], state, committedAt: new Date() };
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian "chromium" package (apt-get install -y chromium)`);
  server = await startApiServer();
  admin = await createCaller(server, 'acme', 'admin');
  const [{ id: clusterId }] = await server.db.dataSource.query(`INSERT INTO k8s_clusters (organization_id, name) VALUES ($1, 'prod-eu') RETURNING id`, [admin.organizationId]);
  await server.db.dataSource.query(`INSERT INTO k8s_pods (cluster_id, namespace, uid, name, phase, created_at) VALUES ($1, 'shop', 'u-1', 'checkout-7d9f', 'Running', now())`, [clusterId]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await openPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('GraphiQL in a browser', () => {
  it('loads, runs a query with the token from the header editor, and shows the result', async () => {
    const response = await page.goto(server.graphqlUrl);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['cache-control']).toBe('no-cache');
    // The page names its assets; GraphiQL itself (about 9 MB) comes in them.
    expect((await response!.body()).length).toBeLessThan(2048);
    await page.waitForSelector('.graphiql-container .graphiql-query-editor .monaco-editor', { timeout: 60_000 });

    // With the placeholder header the query is refused, and GraphiQL shows why.
    await page.locator('.graphiql-execute-button').click();
    await waitFor(async () => (await responseText()).includes('UNAUTHENTICATED'), 'the UNAUTHENTICATED answer', 30_000);

    await page.getByText('Headers', { exact: true }).click();
    await setEditor(HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${admin.secret}` }));
    await page.locator('.graphiql-execute-button').click();
    await waitFor(async () => (await responseText()).includes('"ADMIN"'), 'the viewer result', 30_000);
    const text = await responseText();
    expect(text).toContain('"name": "acme"');
    if (SCREENSHOT_DIR) await page.screenshot({ path: `${SCREENSHOT_DIR}/graphiql-query.png` });
  });

  it('runs a data query and shows the documentation from introspection', async () => {
    await setEditor('.graphiql-query-editor', 'query Pods { pods(first: 5) { totalCount nodes { name namespaceName phase } } }');
    await runOperation('Pods');
    await waitFor(async () => (await responseText()).includes('checkout-7d9f'), 'the pod list', 30_000);
    expect(await responseText()).toContain('"phase": "RUNNING"');
    await page.locator('[aria-label="Show Documentation Explorer"]').click();
    await page.getByText('Query', { exact: true }).first().click();
    await page.waitForSelector('text=clusters', { timeout: 30_000 });
    if (SCREENSHOT_DIR) await page.screenshot({ path: `${SCREENSHOT_DIR}/graphiql-docs.png` });
  });

  it('subscribes over graphql-ws on the same origin with the header token', async () => {
    const before = server.eventBus.listenerCount;
    await setEditor('.graphiql-query-editor', 'subscription Feed { podChanged { type pod { name phase } } }');
    await runOperation('Feed');
    await waitFor(() => server.eventBus.listenerCount === before + 1, 'the GraphiQL subscription', 30_000);
    await server.eventBus.publish([await podEvent(admin.organizationId)]);
    await waitFor(async () => (await responseText()).includes('"MODIFIED"'), 'the subscription event', 30_000);
    expect(sockets.length).toBeGreaterThan(0);
    expect(sockets.every((ws) => new URL(ws.url()).host === new URL(server.baseUrl).host)).toBe(true);
  });

  it('got every asset from the server, cached for a year and compressed', () => {
    const names = [...new Set(assets.map((res) => new URL(res.url()).pathname.replace(/\.[0-9a-f]{16}\./, '.')))].sort();
    // The editor workers too: Monaco starts them from their URLs when the editors open.
    expect(names).toEqual(expect.arrayContaining([
      '/graphiql/editor.worker.js', '/graphiql/favicon.ico', '/graphiql/graphiql.css', '/graphiql/graphiql.js',
      '/graphiql/graphql-ws.js', '/graphiql/graphql.worker.js', '/graphiql/kubegraph-graphiql.js',
    ]));
    for (const res of assets) {
      expect(res.status(), res.url()).toBe(200);
      expect(res.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
      // Chromium accepts Brotli.
      expect(res.headers()['content-encoding'], res.url()).toBe('br');
    }
  });
});

/**
 * What an analyst does on a first visit: open GraphiQL, write a subscription, paste the token over the placeholder
 * and press Run at once, before GraphiQL has saved the edited headers.
 */
describe('GraphiQL subscriptions run with the headers in the editor at Run', () => {
  let fresh: Page;
  /** `connection_init` payloads as the page sent them, in order. */
  const inits: unknown[] = [];

  beforeAll(async () => {
    fresh = await openPage();
    fresh.on('websocket', (ws) => {
      ws.on('framesent', ({ payload }) => {
        const message = JSON.parse(String(payload));
        if (message.type === 'connection_init') inits.push(message.payload);
      });
    });
    await fresh.goto(server.graphqlUrl);
    await fresh.waitForSelector('.graphiql-container .graphiql-query-editor .monaco-editor', { timeout: 60_000 });
    await fresh.getByText('Headers', { exact: true }).click();
    await setEditor('.graphiql-query-editor', 'subscription Watch { podChanged { type pod { name } } }', fresh);
    await parsed('Watch', fresh);
  }, 120_000);

  it('shows the server\'s reason when the token is refused, not a browser event', async () => {
    await setEditor(HEADERS_EDITOR, JSON.stringify({ Authorization: 'Bearer kg_unknown' }), fresh);
    await fresh.locator('.graphiql-execute-button').click();
    await waitFor(async () => (await responseText(fresh)).includes('Unauthorized'), 'the refusal', 30_000);
    expect(await responseJson(fresh)).toEqual({ errors: [{ message: 'Unauthorized: the API token is unknown, revoked or expired', extensions: { closeCode: 4401 } }] });
    expect(inits).toEqual([{ authorization: 'Bearer kg_unknown' }]);
    if (SCREENSHOT_DIR) await fresh.screenshot({ path: `${SCREENSHOT_DIR}/graphiql-refused.png` });
  });

  it('connects again with the pasted token and shows the events', async () => {
    const before = server.eventBus.listenerCount;
    await setEditor(HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${admin.secret}` }), fresh);
    await fresh.locator('.graphiql-execute-button').click();
    await waitFor(() => server.eventBus.listenerCount === before + 1, 'the subscription', 30_000);
    // A new connection, authenticated with the header as it was at Run.
    expect(inits).toEqual([{ authorization: 'Bearer kg_unknown' }, { authorization: `Bearer ${admin.secret}` }]);
    await server.eventBus.publish([await podEvent(admin.organizationId)]);
    await waitFor(async () => (await responseText(fresh)).includes('"MODIFIED"'), 'the subscription event', 30_000);
    expect(await responseJson(fresh)).toEqual({ data: { podChanged: { type: 'MODIFIED', pod: { name: 'checkout-7d9f' } } } });
    if (SCREENSHOT_DIR) await fresh.screenshot({ path: `${SCREENSHOT_DIR}/graphiql-subscription.png` });
  });
});

describe('GraphiQL offline', () => {
  it('made no request outside the server', () => {
    expect(foreign).toEqual([]);
    expect(requests.some((r) => r.startsWith('POST ') && r.endsWith('/graphql'))).toBe(true);
  });
});
