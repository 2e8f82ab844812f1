import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectConverged, type Harness, startHarness } from './sync-harness.js';

/** Deletes `n` running pods without replacement and returns their uids. */
async function deleteSomePods(h: Harness, n: number): Promise<string[]> {
  const victims = h.sim
    .state()
    .pods.filter((p) => p.status?.phase === 'Running')
    .slice(0, n);
  for (const p of victims) await h.sim.apply({ kind: 'deletePod', namespace: p.metadata.namespace!, name: p.metadata.name, replace: false });
  return victims.map((p) => p.metadata.uid);
}

/** Waits for a state the test causes; the bound only turns a missing one into a failure (generous: machines are shared). */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  for (const started = Date.now(); !(await check()); ) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Ends an `errors` fault now (the simulator answers errors while its clock is before the window's end). */
const endErrors = (h: Harness) => h.sim.fault({ kind: 'errors', status: 500, forMs: 0 });

async function deletedAtOf(h: Harness, uids: string[]): Promise<Array<Date | null>> {
  const rows = await h.db.dataSource.query(`SELECT uid, deleted_at FROM k8s_pods WHERE cluster_id = $1 AND uid = ANY($2)`, [h.clusterId, uids]);
  return uids.map((u) => rows.find((r: { uid: string }) => r.uid === u)?.deleted_at ?? null);
}

describe('sync through every fault the simulator can inject', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ sim: { pods: 240, seed: 'faults', helmReleases: 4 } });
    await h.sync.whenSynced();
    await expectConverged(h);
  });

  afterAll(async () => {
    await h?.stop();
    await h?.db.drop();
  });

  it('dropped watches (abrupt and clean) are reopened from the last resourceVersion', async () => {
    const watchesBefore = h.sync.status().reduce((n, r) => n + r.watches, 0);
    h.sim.fault({ kind: 'dropWatches' });
    await h.sim.tick(30);
    await expectConverged(h);
    h.sim.fault({ kind: 'dropWatches', clean: true });
    await h.sim.tick(30);
    await expectConverged(h);
    expect(h.sync.status().reduce((n, r) => n + r.watches, 0)).toBeGreaterThan(watchesBefore);
    // Reopened from a resourceVersion, not relisted: the number of lists did not grow.
    expect(h.sync.status().every((r) => r.lists === 1)).toBe(true);
  });

  it('stalled (half-open) watches are detected by the inactivity watchdog and reopened', async () => {
    h.sim.fault({ kind: 'stallWatches' });
    await h.sim.tick(30);
    await expectConverged(h);
  });

  it.each([500, 429, 503] as const)('HTTP %i answers are retried with backoff', async (status) => {
    // Errors until the sync has met one (a fixed window could close before a slow machine retried at all).
    h.sim.fault({ kind: 'errors', status, forMs: 600_000 });
    h.sim.fault({ kind: 'dropWatches' });
    await until(`a reflector failing with HTTP ${status}`, () => h.sync.status().some((r) => r.lastError?.includes(`HTTP ${status}`)));
    await h.sim.tick(20);
    endErrors(h);
    await expectConverged(h);
  });

  it('an in-stream 410 relists and marks pods deleted during the gap', async () => {
    h.events.length = 0;
    const listsBefore = h.sync.status().find((r) => r.resource === 'pods')!.lists;
    h.sim.fault({ kind: 'stallWatches' });
    const gone = await deleteSomePods(h, 4);
    await h.sim.tick(20);
    // History is gone: resuming from the last resourceVersion seen gets 410 and only a relist can recover.
    h.sim.fault({ kind: 'compactHistory' });
    await expectConverged(h);
    expect((await deletedAtOf(h, gone)).every((d) => d instanceof Date)).toBe(true);
    expect(h.sync.status().find((r) => r.resource === 'pods')!.lists).toBeGreaterThan(listsBefore);
    // The watch never delivered these deletions; the relist found them missing and said so once each.
    const deleted = h.events.filter((e) => e.kind === 'Pod' && e.type === 'DELETED' && gone.includes(e.uid));
    expect(deleted.map((e) => e.uid).sort()).toEqual([...gone].sort());
    for (const e of deleted) expect(e.state.deletedAt).toBeInstanceOf(Date);
  });

  it.each([false, true])('forced 410 (http=%s) relists', async (http) => {
    h.sim.fault({ kind: 'force410', http });
    h.sim.fault({ kind: 'dropWatches' });
    const gone = await deleteSomePods(h, 2);
    await h.sim.tick(10);
    await expectConverged(h);
    expect((await deletedAtOf(h, gone)).every((d) => d instanceof Date)).toBe(true);
  });

  it('API server down and back: deletes while down are found by the relist', async () => {
    await h.sim.down();
    // The sync has seen the API go away: every reflector is failing to reconnect.
    await until('every reflector failing', () => h.sync.status().every((r) => r.failingSince !== undefined));
    const gone = await deleteSomePods(h, 3);
    await h.sim.tick(25);
    h.sim.fault({ kind: 'compactHistory' });
    await h.sim.up();
    await expectConverged(h);
    expect((await deletedAtOf(h, gone)).every((d) => d instanceof Date)).toBe(true);
  });

  it('compacted history alone: watches resume or relist, nothing lost', async () => {
    await h.sim.tick(20);
    h.sim.fault({ kind: 'compactHistory' });
    h.sim.fault({ kind: 'dropWatches' });
    await h.sim.tick(20);
    await expectConverged(h);
  });

  it('a database restart mid-batch (every connection terminated) loses nothing and keeps order', async () => {
    const admin = h.db.dataSource;
    const terminate = () =>
      admin.query(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    // A transaction of the writer open now (nothing else of this cluster writes meanwhile).
    const inTransaction = async () =>
      (
        await admin.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`,
        )
      )[0].n > 0;
    const retriesBefore = h.sync.writerStats().retries;
    // Rounds go on until a batch has been cut (the writer retried one): termination at a quiet moment proves nothing.
    const deadline = Date.now() + 30_000;
    for (let round = 0; round < 5 || h.sync.writerStats().retries === retriesBefore; round++) {
      if (Date.now() > deadline) throw new Error('no batch was cut by the terminations');
      await h.sim.tick(40);
      for (const stopAt = Date.now() + 1000; !(await inTransaction()) && Date.now() < stopAt; );
      await terminate();
    }
    await expectConverged(h);
    expect(h.sync.writerStats().retries).toBeGreaterThan(retriesBefore);
    expect(h.sync.writerStats().dropped).toBe(0);
  });

  it('reports watches failing while the API answers errors, and healthy again after', async () => {
    // Errors until the health has been read, then ended: a fixed window could end before a slow machine read it.
    h.sim.fault({ kind: 'errors', status: 500, forMs: 600_000 });
    h.sim.fault({ kind: 'dropWatches' });
    await until('a reflector failing', () => h.sync.status().some((r) => r.failingSince !== undefined));
    const during = await h.sync.refreshHealth();
    expect(during?.status).toBe('degraded');
    expect(during?.message).toMatch(/API server not answering|watch of .* failing/);
    endErrors(h);
    await expectConverged(h);
    for (const n of h.sim.state().nodes) await h.sim.apply({ kind: 'nodeReady', name: n.metadata.name });
    await h.sim.tick(0);
    await expectConverged(h);
    let after = await h.sync.refreshHealth();
    for (const started = Date.now(); after?.status !== 'healthy' && Date.now() - started < 30_000; ) {
      await new Promise((r) => setTimeout(r, 100));
      after = await h.sync.refreshHealth();
    }
    expect(after).toEqual({ status: 'healthy', message: null });
  });

  it('an API server down past the grace period is unreachable', async () => {
    await h.sim.down();
    await h.sync.refreshHealth();
    await new Promise((r) => setTimeout(r, 1100));
    const a = await h.sync.refreshHealth();
    expect(a?.status).toBe('unreachable');
    expect(a?.message).toMatch(/^API server unreachable since /);
    const [row] = await h.db.dataSource.query(`SELECT status, status_message FROM k8s_clusters WHERE id = $1`, [h.clusterId]);
    expect(row.status).toBe('unreachable');
    await h.sim.up();
    await h.sim.tick(10);
    await expectConverged(h);
  });
});
