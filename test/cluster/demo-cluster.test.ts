import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf, runCli, spawnUntil } from '../db/support/processes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const SERVING = /kubegraph is serving at (http:\/\/\S+)/;
const KEY = randomBytes(32).toString('base64');

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
});

afterAll(async () => {
  await db?.drop();
});

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface DemoRow {
  id: string;
  status: string;
  api_server_url: string;
  pods: number;
  nodes: number;
  workload_kinds: string[] | null;
}

async function demoRows(): Promise<DemoRow[]> {
  return db.dataSource.query(
    `SELECT c.id, c.status, c.api_server_url,
            (SELECT count(*)::int FROM k8s_pods p WHERE p.cluster_id = c.id AND p.deleted_at IS NULL) AS pods,
            (SELECT count(*)::int FROM k8s_nodes n WHERE n.cluster_id = c.id AND n.deleted_at IS NULL) AS nodes,
            (SELECT array_agg(DISTINCT w.kind ORDER BY w.kind) FROM k8s_workloads w WHERE w.cluster_id = c.id AND w.deleted_at IS NULL) AS workload_kinds
       FROM k8s_clusters c JOIN organizations o ON o.id = c.organization_id
      WHERE c.name = 'demo' AND o.name = 'default'`,
  );
}

describe('serve --demo', () => {
  it('refuses to start on DATABASE_URL without an encryption key', async () => {
    const result = await runCli(['serve', '--port', '0'], { DATABASE_URL: db.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/kubegraph: BYOK_ENCRYPTION_KEY is required when DATABASE_URL is set/);
  });

  it('registers and syncs a simulated demo cluster, and reconnects the same cluster on the next start', async () => {
    const first = await spawnUntil(process.execPath, ['bin/kubegraph.js', 'serve', '--demo', '--port', '0'], { DATABASE_URL: db.url, BYOK_ENCRYPTION_KEY: KEY }, SERVING, 150_000);
    let firstRow: DemoRow;
    try {
      await until('the demo cluster synced', async () => {
        const [row] = await demoRows();
        return row?.status === 'healthy' && row.nodes === 3 && row.pods > 0 && row.workload_kinds?.length === 4;
      });
      [firstRow] = await demoRows();
      expect(firstRow!.api_server_url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      // 60 pods generated, a few more or less once the churn (2 changes a second) has run for a moment.
      expect(firstRow!.pods).toBeGreaterThan(40);
      // The demo's StatefulSets, DaemonSets, Jobs and CronJobs are synced with the rest (one list each).
      expect(firstRow!.workload_kinds).toEqual(['CronJob', 'DaemonSet', 'Job', 'StatefulSet']);
      expect(first.output()).not.toMatch(/"level":50/);
    } finally {
      first.child.kill('SIGINT');
    }
    expect(await exitOf(first.child)).toBe(0);

    const second = await spawnUntil(process.execPath, ['bin/kubegraph.js', 'serve', '--demo', '--port', '0'], { DATABASE_URL: db.url, BYOK_ENCRYPTION_KEY: KEY }, SERVING, 150_000);
    try {
      await until('the demo cluster reconnected and synced', async () => {
        const [row] = await demoRows();
        return row?.api_server_url !== firstRow.api_server_url && row?.status === 'healthy';
      });
      const rows = await demoRows();
      expect(rows.map((r) => r.id)).toEqual([firstRow.id]);
    } finally {
      second.child.kill('SIGINT');
    }
    expect(await exitOf(second.child)).toBe(0);
  });
});
