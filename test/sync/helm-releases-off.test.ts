import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/common/config.js';
import { type Harness, startHarness } from './sync-harness.js';

describe('KUBEGRAPH_HELM_RELEASES=false', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ sim: { pods: 40, seed: 'helm-off', helmReleases: 2 }, env: { KUBEGRAPH_HELM_RELEASES: 'false' } });
    await h.sync.whenSynced();
  });

  afterAll(async () => {
    await h?.stop();
    await h?.db.drop();
  });

  it('syncs every other kind and reads no Secret, so the credentials need not allow it', async () => {
    expect(h.sim.state().secrets.filter((s) => s.type === 'helm.sh/release.v1').length).toBeGreaterThan(0);
    expect(h.sync.status().map((r) => r.resource)).not.toContain('secrets');
    expect(h.sync.status().every((r) => r.synced)).toBe(true);
    const [{ helm, pods }] = await h.db.dataSource.query(
      `SELECT (SELECT count(*)::int FROM k8s_helm_releases WHERE cluster_id = $1) AS helm, (SELECT count(*)::int FROM k8s_pods WHERE cluster_id = $1) AS pods`,
      [h.clusterId],
    );
    expect({ helm, pods }).toEqual({ helm: 0, pods: h.sim.state().pods.length });
  });

  it('is read as true or false only, naming the variable otherwise', () => {
    expect(loadConfig({}).helmReleases).toBe(true);
    expect(loadConfig({ KUBEGRAPH_HELM_RELEASES: 'False' }).helmReleases).toBe(false);
    expect(() => loadConfig({ KUBEGRAPH_HELM_RELEASES: 'no' })).toThrow('KUBEGRAPH_HELM_RELEASES must be true or false (got "no")');
  });
});
