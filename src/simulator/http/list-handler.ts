import type { ServerResponse } from 'node:http';
import type { ObjectStore, StoredObject } from '../object-store.js';
import { ExpiredError } from '../object-store.js';
import type { ResourceType } from '../resource-types.js';
import { apiVersionOf } from '../resource-types.js';
import { ChunkWriter } from './chunk-writer.js';
import { decodeContinue, encodeContinue, InvalidContinueError } from './continue-token.js';
import type { Representation } from './negotiation.js';
import type { ListOptions } from './request-options.js';
import { reachResourceVersion } from './resource-version-wait.js';
import { sendStatus } from './status.js';
import { tableColumns, tableRow } from './table.js';

export interface ListContext {
  store: ObjectStore;
  now: () => number;
  continueTokenTtlMs: number;
}

const EXPIRED_CONTINUE = 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** A list (one page of it when `limit` is set), streamed from the store at one resourceVersion. */
export async function serveList(ctx: ListContext, res: ServerResponse, type: ResourceType, namespace: string | undefined, opts: ListOptions, rep: Representation): Promise<void> {
  const { store } = ctx;
  const current = store.resourceVersion;
  let snapshot = current;
  let after: string | undefined;
  let issuedAt = ctx.now();
  if (opts.continueToken) {
    let token;
    try {
      token = decodeContinue(opts.continueToken);
    } catch (err) {
      if (err instanceof InvalidContinueError) return sendStatus(res, 400, 'BadRequest', err.message);
      throw err;
    }
    after = token.after;
    if (token.rv !== -1) {
      snapshot = token.rv;
      issuedAt = token.issuedAt;
      if (ctx.now() - token.issuedAt > ctx.continueTokenTtlMs || snapshot < store.floorRv(type.name)) {
        const inconsistent = encodeContinue({ rv: -1, after: token.after, issuedAt: ctx.now() });
        return sendStatus(res, 410, 'Expired', EXPIRED_CONTINUE, undefined, undefined, { continue: inconsistent });
      }
    }
  } else if (opts.resourceVersion && opts.resourceVersion !== '0') {
    // Exact or NotOlderThan (the default for a non-zero resourceVersion): first the cluster must have got there.
    const wanted = Number(opts.resourceVersion);
    if (!(await reachResourceVersion(store, res, wanted))) return;
    if (opts.resourceVersionMatch === 'Exact') snapshot = wanted;
    else snapshot = store.resourceVersion;
  }

  let page;
  try {
    page = store.page(type.name, { rv: snapshot, namespace, after, limit: opts.limit, match: opts.match });
  } catch (err) {
    if (err instanceof ExpiredError) return sendStatus(res, 410, 'Expired', err.message);
    throw err;
  }

  const metadata: Record<string, unknown> = { resourceVersion: String(snapshot) };
  if (page.continueAfter !== undefined) {
    metadata.continue = encodeContinue({ rv: snapshot, after: page.continueAfter, issuedAt });
    if (page.remainingItemCount !== undefined) metadata.remainingItemCount = page.remainingItemCount;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  const out = new ChunkWriter(res);
  const now = ctx.now();
  try {
    if (rep.kind === 'table') {
      await out.write(`{"kind":"Table","apiVersion":"${rep.apiVersion}","metadata":${JSON.stringify(metadata)},"columnDefinitions":${JSON.stringify(tableColumns(type.name))},"rows":[`);
      await writeItems(out, page.items, (s) => tableRow(type.name, s.obj, s.json(), opts.includeObject, rep.apiVersion, now));
    } else {
      await out.write(`{"kind":"${type.listKind}","apiVersion":"${apiVersionOf(type)}","metadata":${JSON.stringify(metadata)},"items":[`);
      await writeItems(out, page.items, (s) => s.json());
    }
    await out.write(']}');
    await out.flush();
    res.end();
  } catch {
    res.destroy();
  }
}

async function writeItems(out: ChunkWriter, items: StoredObject[], render: (s: StoredObject) => string): Promise<void> {
  for (let i = 0; i < items.length; i++) {
    if (i > 0) await out.write(',');
    await out.write(render(items[i]));
  }
}

export function serveGet(res: ServerResponse, stored: StoredObject, type: ResourceType, rep: Representation, includeObject: ListOptions['includeObject'], now: number): void {
  if (rep.kind === 'table') {
    const body = `{"kind":"Table","apiVersion":"${rep.apiVersion}","metadata":{"resourceVersion":"${stored.rv}"},"columnDefinitions":${JSON.stringify(tableColumns(type.name))},"rows":[${tableRow(type.name, stored.obj, stored.json(), includeObject, rep.apiVersion, now)}]}`;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache, private' });
    res.end(body);
    return;
  }
  const body = stored.json();
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache, private' });
  res.end(body);
}
