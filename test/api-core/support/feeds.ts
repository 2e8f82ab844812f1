import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { ChangeEvent, ChangeKind, ChangeType } from '../../../src/events/change-event.js';
import { waitFor, type ApiServer, type ObservedChangeLogBus } from './api-server.js';

type LogServer = ApiServer<ObservedChangeLogBus>;

/** graphql-ws clients of one test file, disposed together. */
export class FeedClients {
  private readonly clients: Client[] = [];

  constructor(private readonly server: LogServer) {}

  connect(token: string): Client {
    const client = createClient({ url: this.server.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: true });
    this.clients.push(client);
    return client;
  }

  async dispose(): Promise<void> {
    for (const c of this.clients) await c.dispose();
  }
}

export interface Feed<T> {
  items: T[];
  errors: Array<{ message: string; extensions?: Record<string, unknown> }>;
  /** Resolves when `until` holds, the feed completes or an error arrives; rejects with a refused subscription's errors. */
  done: Promise<T[]>;
  dispose(): void;
}

/** Subscribes and collects every `next` until `until` says the feed is complete. */
export function collect<T>(client: Client, query: string, variables: Record<string, unknown>, until: (items: T[]) => boolean): Feed<T> {
  const items: T[] = [];
  const errors: Feed<T>['errors'] = [];
  let dispose: () => void = () => {};
  const done = new Promise<T[]>((resolve, reject) => {
    dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors) errors.push(...(result.errors as Feed<T>['errors']));
          if (result.data) items.push(result.data);
          if (until(items) || errors.length > 0) resolve(items);
        },
        error: (err) => reject(err),
        complete: () => resolve(items),
      },
    );
  });
  return { items, errors, done, dispose: () => dispose() };
}

/** The errors a refused subscription is answered with (graphql-ws `error`), or those of its results. */
export async function refusal(feed: Feed<unknown>): Promise<Array<{ message: string; extensions?: Record<string, unknown> }>> {
  return feed.done.then(
    () => feed.errors,
    (err: unknown) => err as Feed<unknown>['errors'],
  );
}

/**
 * Appends `events` to the change log, as a sync writer does after its rows, and waits until the bus has handed them to
 * every subscriber: the rows they name are read when delivered, so a test changes a row again only after that.
 */
export async function commit(server: LogServer, events: ChangeEvent[]): Promise<ChangeEvent[]> {
  await server.eventBus.publish(events);
  const last = Math.max(...events.map((e) => e.seq!));
  await waitFor(() => (server.eventBus.position ?? 0) >= last, `event ${last} delivered`);
  return events;
}

function camel(column: string): string {
  return column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The event a writer publishes for a stored row (the row as returned by `RETURNING *`). */
export function rowEvent(
  organizationId: string,
  kind: ChangeKind,
  type: ChangeType,
  row: Record<string, unknown>,
  changedFields: string[] = [],
): ChangeEvent {
  return {
    organizationId,
    clusterId: row.cluster_id as string,
    kind,
    type,
    namespace: (row.namespace as string | undefined) ?? null,
    name: row.name as string,
    uid: row.uid as string,
    changedFields,
    state: Object.fromEntries(Object.entries(row).map(([k, v]) => [camel(k), v])),
    committedAt: new Date(),
  };
}

/** Objects and arrays go in as jsonb text. */
function param(value: unknown): unknown {
  return value !== null && typeof value === 'object' && !(value instanceof Date) ? JSON.stringify(value) : value;
}

/** UPDATE of one row by id with `set` (column → value; objects as jsonb), returning the row. */
export async function updateRow(server: LogServer, table: string, id: string, set: Record<string, unknown>): Promise<Record<string, unknown>> {
  const columns = Object.keys(set);
  // TypeORM answers an UPDATE with [rows, count].
  const [rows] = await server.db.dataSource.query(
    `UPDATE ${table} SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1 RETURNING *`,
    [id, ...columns.map((c) => param(set[c]))],
  );
  return rows[0];
}

/** INSERT of one row with `values` (column → value; objects as jsonb), returning it. */
export async function insertRow(server: LogServer, table: string, values: Record<string, unknown>): Promise<Record<string, unknown>> {
  const columns = Object.keys(values);
  const params = columns.map((c) => param(values[c]));
  const [row] = await server.db.dataSource.query(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_c, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
    params,
  );
  return row;
}
