import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import type { ClusterSync } from '../../src/sync/cluster-sync.js';
import { PODS } from '../../src/sync/inventory-tables.js';
import { mapPod } from '../../src/sync/pod.mapper.js';
import type { TestDatabase } from '../support/database.js';
import { type Harness, startHarness } from './sync-harness.js';

/**
 * The bulk of an initial list goes in by COPY, encoded from the JSON made while digesting each row; later changes go
 * in by upsert. Either way every stored column must equal what the mapper makes of the object.
 */

// Label values a real API server would refuse, but that exercise every escape of COPY's text format and of JSON.
const AWKWARD = { backslash: 'a\\b\\\\c', tab: 'x\ty', lines: 'one\ntwo\r\nthree', quote: 'say "hi"', unicode: 'grüße €5 😀', sql: "'; DROP TABLE x; --" };

/** jsonb keeps no key order: objects are compared with their keys sorted. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]));
  return value;
}

function normalise(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'jsonb') return sortedKeys(value);
  if (type === 'timestamptz') return new Date(value as string | Date).toISOString();
  if (type === 'bigint' || type === 'integer') return Number(value);
  return value;
}

describe('initial sync by COPY', () => {
  let h: Harness;
  let db: TestDatabase;
  let sim: SimulatedCluster;
  let sync: ClusterSync;
  let clusterId: string;

  /** Columns of every live pod row that differ from the mapper's row of the simulator's pod. */
  async function mismatches(): Promise<string[]> {
    const rows: Array<Record<string, unknown>> = await db.dataSource.query(
      `SELECT ${PODS.columns.map((c) => c.column).join(', ')} FROM k8s_pods WHERE cluster_id = $1 AND deleted_at IS NULL`,
      [clusterId],
    );
    const byUid = new Map(rows.map((r) => [r.uid as string, r]));
    const out: string[] = [];
    const pods = sim.state().pods;
    if (rows.length !== pods.length) out.push(`${rows.length} rows for ${pods.length} pods`);
    for (const pod of pods) {
      const stored = byUid.get(pod.metadata.uid);
      if (!stored) {
        out.push(`${pod.metadata.name}: missing`);
        continue;
      }
      const want: Record<string, unknown> = mapPod(pod);
      for (const c of PODS.columns) {
        const a = JSON.stringify(normalise(want[c.prop], c.type));
        const b = JSON.stringify(normalise(stored[c.column], c.type));
        if (a !== b) out.push(`${pod.metadata.name}.${c.column}: want ${a}, stored ${b}`);
      }
    }
    return out.slice(0, 10);
  }

  beforeAll(async () => {
    h = await startHarness({
      name: 'initial-copy',
      sim: { pods: 400, seed: 'initial-copy' },
      prepare: async ({ sim: cluster }) => {
        const ns = cluster.state().pods[0]!.metadata.namespace as string;
        await cluster.apply({ kind: 'createPod', namespace: ns, name: 'awkward-labels', labels: AWKWARD });
      },
    });
    ({ db, sim, sync, clusterId } = h);
    await sync.whenSynced();
  });

  afterAll(async () => {
    await h?.stop();
    await h?.db.drop();
  });

  it('writes every column of every pod exactly, awkward characters included', async () => {
    expect(sync.writerStats().copied).toBeGreaterThanOrEqual(400);
    expect(await mismatches()).toEqual([]);
    const [row] = await db.dataSource.query(`SELECT labels FROM k8s_pods WHERE cluster_id = $1 AND name = 'awkward-labels'`, [clusterId]);
    expect(row.labels).toEqual(AWKWARD);
  });

  it('keeps every column exact when later changes are written by upsert', async () => {
    const [a, b, c] = sim
      .state()
      .pods.filter((p) => p.metadata.ownerReferences?.length)
      .map((p) => ({ namespace: p.metadata.namespace as string, name: p.metadata.name as string }));
    await sim.apply({ kind: 'crashPod', ...a! });
    await sim.apply({ kind: 'oomKill', ...b! });
    await sim.apply({ kind: 'completePod', ...c! });
    await sim.apply({ kind: 'createPod', namespace: a!.namespace, name: 'awkward-later', labels: { ...AWKWARD, later: 'yes\\no' } });
    let diffs: string[] = [];
    // The deadline only bounds how long a broken sync can hang the test (generous: machines are shared).
    const until = Date.now() + 30_000;
    for (;;) {
      await sync.flush();
      diffs = await mismatches();
      if (diffs.length === 0 || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(diffs).toEqual([]);
  });
});
