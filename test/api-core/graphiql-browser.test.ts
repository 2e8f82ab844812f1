import 'reflect-metadata';
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
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
const sockets: string[] = [];
const foreign: string[] = [];

/** Replaces the content of the Monaco editor inside `selector` with `text`. */
async function setEditor(selector: string, text: string): Promise<void> {
  await page.locator(`${selector} .monaco-editor`).first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // insertText bypasses Monaco's bracket and quote auto-closing.
  await page.keyboard.insertText(text);
}

/** Runs the operation once GraphiQL has parsed the edited document (its tab takes the operation's name). */
async function runOperation(name: string): Promise<void> {
  await page.locator('.graphiql-tab-active', { hasText: name }).waitFor({ timeout: 30_000 });
  await page.locator('.graphiql-execute-button').click();
}

async function responseText(): Promise<string> {
  // Monaco renders spaces as no-break spaces.
  return (await page.locator('.graphiql-response').innerText()).replace(/\u00a0/g, ' ');
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
  page = await context.newPage();
  page.on('websocket', (ws) => sockets.push(ws.url()));
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin) foreign.push(url);
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('GraphiQL in a browser', () => {
  it('loads, runs a query with the token from the header editor, and shows the result', async () => {
    const response = await page.goto(server.graphqlUrl);
    expect(response?.status()).toBe(200);
    await page.waitForSelector('.graphiql-container .graphiql-query-editor .monaco-editor', { timeout: 60_000 });

    // With the placeholder header the query is refused, and GraphiQL shows why.
    await page.locator('.graphiql-execute-button').click();
    await waitFor(async () => (await responseText()).includes('UNAUTHENTICATED'), 'the UNAUTHENTICATED answer', 30_000);

    await page.getByText('Headers', { exact: true }).click();
    await setEditor('.graphiql-editor-tool .graphiql-editor:not(.hidden)', JSON.stringify({ Authorization: `Bearer ${admin.secret}` }));
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
    await setEditor('.graphiql-query-editor', 'subscription Feed { podChanged { type pod { name phase } } }');
    await runOperation('Feed');
    await waitFor(() => server.eventBus.listenerCount === 1, 'the GraphiQL subscription', 30_000);
    const [row] = await server.db.dataSource.query(`SELECT * FROM k8s_pods WHERE name = 'checkout-7d9f'`);
    const state = Object.fromEntries(Object.entries(row as Record<string, unknown>).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), v]));
    const event: ChangeEvent = { organizationId: admin.organizationId, clusterId: row.cluster_id, kind: 'Pod', type: 'MODIFIED', namespace: 'shop', name: row.name, uid: row.uid, changedFields: ['phase'], state, committedAt: new Date() };
    await server.eventBus.publish([event]);
    await waitFor(async () => (await responseText()).includes('"MODIFIED"'), 'the subscription event', 30_000);
    expect(sockets.every((url) => new URL(url).host === new URL(server.baseUrl).host)).toBe(true);
    expect(sockets.length).toBeGreaterThan(0);
  });

  it('made no request outside the server', () => {
    expect(foreign).toEqual([]);
    expect(requests.some((r) => r.startsWith('POST ') && r.endsWith('/graphql'))).toBe(true);
  });
});
