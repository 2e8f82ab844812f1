import { camelCase } from '../common/formats.js';
import { transactionLockSql, AdvisoryLock } from '../db/advisory-locks.js';
import { copyText } from '../db/bulk-copy.js';
import type { ChangeEvent, ChangeKind, ChangeType } from './change-event.js';

/** Runs one statement and returns its rows. */
export type SqlRun = (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>;

/** The channel NOTIFY wakes change log readers on (the payload is the last sequence number written). */
export const CHANGE_LOG_CHANNEL = 'kubegraph_changes';

/** Where the state of an inventory event is read from when it is delivered, by row id. */
const TABLE_OF_KIND: Partial<Record<ChangeKind, string>> = {
  Namespace: 'k8s_namespaces',
  Node: 'k8s_nodes',
  Deployment: 'k8s_deployments',
  ReplicaSet: 'k8s_replica_sets',
  StatefulSet: 'k8s_workloads',
  DaemonSet: 'k8s_workloads',
  Job: 'k8s_workloads',
  CronJob: 'k8s_workloads',
  Pod: 'k8s_pods',
  HelmRelease: 'k8s_helm_releases',
  PersistentVolumeClaim: 'k8s_persistent_volume_claims',
};

/** From this many events, a batch goes into the log by COPY rather than by one INSERT of a JSON recordset. */
const COPY_MIN = 200;

const LOG_COLUMNS = ['organization_id', 'cluster_id', 'kind', 'type', 'namespace', 'name', 'uid', 'row_id', 'changed_fields', 'state'];

/** Copies text-format `lines` into `table` on the caller's transaction (the sync's writer passes its connection). */
export type CopyInto = (table: string, columns: readonly string[], lines: readonly string[]) => Promise<void>;

/** A resume position older than what the log still holds. */
export class CursorExpired extends Error {
  constructor(readonly oldestSeq: number) {
    super('the change log no longer holds events after this cursor');
  }
}

/**
 * Appends `events` to the change log inside the caller's open transaction and wakes the readers when it commits.
 * The advisory lock, held until that commit, makes sequence order commit order: a reader that has seen `seq` never
 * sees a smaller one appear later. Inventory events are stored by row id (their state is read on delivery); others
 * (no row id, or a row that may be gone) with their state. Sets `seq` on each event.
 */
export async function appendChangeEvents(
  run: SqlRun,
  events: ChangeEvent[] | Array<Omit<ChangeEvent, 'committedAt'> & { seq?: number }>,
  copy?: CopyInto,
): Promise<void> {
  if (events.length === 0) return;
  const [lockSql, lockParams] = transactionLockSql(AdvisoryLock.changeLog);
  await run(lockSql, lockParams);
  const rowIdOf = (e: (typeof events)[number]) => (TABLE_OF_KIND[e.kind] && typeof e.state.id === 'string' ? e.state.id : null);
  if (copy && events.length >= COPY_MIN) {
    // Nobody else can take a sequence number while the lock is held, so the batch's numbers are the last n handed out.
    const field = (v: string | null) => (v === null ? '\\N' : copyText(v));
    await copy(
      'change_events',
      LOG_COLUMNS,
      events.map((e) => {
        const rowId = rowIdOf(e);
        const fields = `{${e.changedFields.map((f) => `"${f.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
        return `${e.organizationId}\t${e.clusterId}\t${e.kind}\t${e.type}\t${field(e.namespace)}\t${field(e.name)}\t${field(e.uid)}\t${rowId ?? '\\N'}\t${copyText(fields)}\t${rowId ? '\\N' : copyText(JSON.stringify(e.state))}\n`;
      }),
    );
    const [row] = await run(
      `WITH s AS (SELECT currval(pg_get_serial_sequence('change_events', 'seq')) AS last)
       SELECT last, pg_notify('${CHANGE_LOG_CHANNEL}', last::text) FROM s`,
      [],
    );
    const last = Number(row!.last);
    events.forEach((e, i) => (e.seq = last - events.length + 1 + i));
    return;
  }
  const payload = events.map((e) => {
    const rowId = rowIdOf(e);
    return {
      organization_id: e.organizationId,
      cluster_id: e.clusterId,
      kind: e.kind,
      type: e.type,
      namespace: e.namespace,
      name: e.name,
      uid: e.uid,
      row_id: rowId,
      changed_fields: e.changedFields,
      state: rowId ? null : e.state,
    };
  });
  const rows = await run(
    `WITH ins AS (
       INSERT INTO change_events (${LOG_COLUMNS.join(', ')})
       SELECT ${LOG_COLUMNS.join(', ')}
       FROM jsonb_to_recordset($1::jsonb) AS x(organization_id uuid, cluster_id uuid, kind text, type text, namespace text,
         name text, uid text, row_id uuid, changed_fields text[], state jsonb)
       RETURNING seq)
     SELECT array_agg(seq ORDER BY seq) AS seqs, pg_notify('${CHANGE_LOG_CHANNEL}', max(seq)::text) FROM ins`,
    [JSON.stringify(payload)],
  );
  // Identity values are handed out in insertion order, which is the order of the recordset.
  const seqs = (rows[0]?.seqs as Array<string | number> | null) ?? [];
  events.forEach((e, i) => (e.seq = Number(seqs[i])));
}

function stateOf(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(row)) out[camelCase(key)] = row[key];
  return out;
}

/** The smallest sequence number a cursor may name: events at or before `pruned_through` are gone. */
export async function prunedThrough(run: SqlRun): Promise<number> {
  const [row] = await run(`SELECT pruned_through FROM change_event_log`, []);
  return Number(row?.pruned_through ?? 0);
}

/** The last sequence number written so far (0 for an empty log). */
export async function lastSeq(run: SqlRun): Promise<number> {
  const [row] = await run(`SELECT coalesce(max(seq), (SELECT pruned_through FROM change_event_log)) AS seq FROM change_events`, []);
  return Number(row?.seq ?? 0);
}

/**
 * Events after `afterSeq`, oldest first, at most `limit`, with their state: inventory rows are read in one statement
 * per kind (as JSON, so bigints arrive as numbers). Throws CursorExpired when pruning has passed `afterSeq`.
 */
export async function readChangeEvents(run: SqlRun, afterSeq: number, limit: number): Promise<ChangeEvent[]> {
  const rows = await run(
    `SELECT seq, committed_at, organization_id, cluster_id, kind, type, namespace, name, uid, row_id, changed_fields, state,
            (SELECT pruned_through FROM change_event_log) AS pruned_through
     FROM change_events WHERE seq > $1 ORDER BY seq LIMIT $2`,
    [afterSeq, limit],
  );
  const pruned = rows.length > 0 ? Number(rows[0]!.pruned_through) : await prunedThrough(run);
  if (afterSeq < pruned) throw new CursorExpired(pruned);
  const idsByTable = new Map<string, string[]>();
  for (const r of rows) {
    const table = TABLE_OF_KIND[r.kind as ChangeKind];
    if (!table || !r.row_id) continue;
    const ids = idsByTable.get(table);
    if (ids) ids.push(r.row_id as string);
    else idsByTable.set(table, [r.row_id as string]);
  }
  const states = new Map<string, Record<string, unknown>>();
  for (const [table, ids] of idsByTable) {
    const found = await run(`SELECT t.id::text AS id, to_jsonb(t.*) AS row FROM ${table} t WHERE t.id = ANY($1::uuid[])`, [ids]);
    for (const f of found) states.set(f.id as string, stateOf(f.row as Record<string, unknown>));
  }
  return rows.map((r) => ({
    seq: Number(r.seq),
    committedAt: r.committed_at as Date,
    organizationId: r.organization_id as string,
    clusterId: r.cluster_id as string,
    kind: r.kind as ChangeKind,
    type: r.type as ChangeType,
    namespace: (r.namespace as string | null) ?? null,
    name: r.name as string,
    uid: r.uid as string,
    changedFields: (r.changed_fields as string[]) ?? [],
    // A row that is gone (its partition dropped past retention) leaves what the event itself names.
    state: (r.row_id ? states.get(r.row_id as string) : (r.state as Record<string, unknown> | null)) ?? {
      name: r.name,
      namespace: r.namespace,
      uid: r.uid,
    },
  }));
}

/** Deletes events committed before `before`, remembering how far (so that older cursors get a clear error). */
export async function pruneChangeEvents(run: SqlRun, before: Date): Promise<number> {
  const [row] = await run(
    `WITH gone AS (DELETE FROM change_events WHERE committed_at < $1 RETURNING seq),
          mark AS (UPDATE change_event_log SET pruned_through = greatest(pruned_through, (SELECT max(seq) FROM gone))
                   WHERE EXISTS (SELECT 1 FROM gone))
     SELECT count(*)::int AS n FROM gone`,
    [before],
  );
  return Number(row?.n ?? 0);
}
