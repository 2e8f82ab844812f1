import { describe, expect, it } from 'vitest';
import { mapCronJob, mapDaemonSet, mapJob, mapStatefulSet } from '../../src/sync/workload.mapper.js';

const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '7', creationTimestamp: '2026-03-02T10:00:00Z', ...extra });
const template = { spec: { containers: [{ name: 'app', image: 'db:1', resources: { requests: { cpu: '250m', memory: '1Gi' } } }] } };

describe('workload mappers', () => {
  it('a StatefulSet: replica counts, and health from them and the observed generation', () => {
    const sts = (status: Record<string, unknown>, generation = 1) => mapStatefulSet({ metadata: meta('db', { generation }), spec: { replicas: 3, template, selector: { matchLabels: { app: 'db' } } }, status: { observedGeneration: 1, ...status } });
    const healthy = sts({ replicas: 3, readyReplicas: 3, currentReplicas: 3, availableReplicas: 3, updatedReplicas: 3, currentRevision: 'db-1' });
    expect(healthy).toMatchObject({ kind: 'StatefulSet', desiredReplicas: 3, readyReplicas: 3, availableReplicas: 3, health: 'healthy', succeeded: null, schedule: null });
    expect(healthy.containers).toEqual([{ name: 'app', image: 'db:1', cpuRequestMillicores: 250, cpuLimitMillicores: null, memoryRequestBytes: 1024 ** 3, memoryLimitBytes: null }]);
    // What the typed columns hold is not kept twice in `status`.
    expect(healthy.status).toEqual({ observedGeneration: 1, currentRevision: 'db-1' });
    expect(sts({ readyReplicas: 2, updatedReplicas: 3 }).health).toBe('degraded');
    expect(sts({ readyReplicas: 0, updatedReplicas: 3 }).health).toBe('failed');
    expect(sts({ readyReplicas: 3, updatedReplicas: 1 }).health).toBe('progressing');
    expect(sts({ readyReplicas: 3, updatedReplicas: 3 }, 2).health).toBe('progressing');
  });

  it('a DaemonSet: its scheduled counts in the replica columns', () => {
    const ds = mapDaemonSet({ metadata: meta('agent'), spec: { template }, status: { desiredNumberScheduled: 4, currentNumberScheduled: 4, numberReady: 3, numberAvailable: 3, updatedNumberScheduled: 4 } });
    expect(ds).toMatchObject({ kind: 'DaemonSet', desiredReplicas: 4, currentReplicas: 4, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 4, health: 'degraded' });
    expect(mapDaemonSet({ metadata: meta('none'), spec: { template }, status: {} }).health).toBe('scaled_to_zero');
  });

  it('a Job: counts, times, its CronJob, and health from its conditions', () => {
    const owner = [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: 'uid-nightly', controller: true }];
    const job = (status: Record<string, unknown>, suspend = false) => mapJob({ metadata: meta('nightly-1', { ownerReferences: owner }), spec: { completions: 1, suspend, template }, status });
    const running = job({ startTime: '2026-03-02T10:00:00Z', active: 1 });
    expect(running).toMatchObject({ kind: 'Job', active: 1, succeeded: 0, failed: 0, completions: 1, startTime: '2026-03-02T10:00:00Z', health: 'progressing', ownerKind: 'CronJob', ownerUid: 'uid-nightly', desiredReplicas: null });
    const done = job({ startTime: '2026-03-02T10:00:00Z', completionTime: '2026-03-02T10:00:40Z', succeeded: 1, conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] });
    expect(done).toMatchObject({ succeeded: 1, completionTime: '2026-03-02T10:00:40Z', health: 'succeeded' });
    expect(job({ failed: 7, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] }).health).toBe('failed');
    expect(job({}, true).health).toBe('suspended');
  });

  it('a CronJob: schedule, suspension, last runs and the Jobs it is running', () => {
    const cron = (suspend: boolean) => mapCronJob({
      metadata: meta('nightly'),
      spec: { schedule: '0 3 * * *', suspend, jobTemplate: { spec: { template } } },
      status: { lastScheduleTime: '2026-03-02T03:00:00Z', lastSuccessfulTime: '2026-03-02T03:00:40Z', active: [{ kind: 'Job', name: 'nightly-1' }] },
    });
    expect(cron(false)).toMatchObject({ kind: 'CronJob', schedule: '0 3 * * *', suspend: false, active: 1, lastScheduleTime: '2026-03-02T03:00:00Z', lastSuccessfulTime: '2026-03-02T03:00:40Z', health: 'healthy' });
    expect(cron(false).containers).toHaveLength(1);
    expect(cron(true).health).toBe('suspended');
  });
});
