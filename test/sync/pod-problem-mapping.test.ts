import { describe, expect, it } from 'vitest';
import { mapPod } from '../../src/sync/pod.mapper.js';

/** A pod object as the API server sends it, with `status` given. */
function pod(status: Record<string, unknown>) {
  return {
    metadata: { uid: 'u1', namespace: 'prod', name: 'web-1', creationTimestamp: '2026-12-01T10:00:00Z' },
    spec: { containers: [{ name: 'app', image: 'web:1.3' }] },
    status,
  };
}

describe('what the pod row keeps of a pod in trouble', () => {
  it('marks a pending pod no node can take as Unschedulable, with the scheduler\'s message', () => {
    const row = mapPod(
      pod({
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' }],
      }),
    );
    expect([row.phase, row.reason, row.message]).toEqual(['Pending', 'Unschedulable', '0/3 nodes are available: 3 Insufficient cpu.']);
  });

  it('keeps a pending pod that is merely waiting for the scheduler without a reason', () => {
    const row = mapPod(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulerError' }] }));
    expect([row.reason, row.message]).toEqual([null, null]);
  });

  it('keeps an eviction\'s reason and message', () => {
    const row = mapPod(pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }));
    expect([row.phase, row.reason, row.message]).toEqual(['Failed', 'Evicted', 'The node was low on resource: memory.']);
  });

  it('keeps each container state\'s message', () => {
    const row = mapPod(
      pod({
        phase: 'Pending',
        containerStatuses: [
          { name: 'app', image: 'web:1.3', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "web:1.3"' } } },
        ],
      }),
    );
    expect(row.reason).toBe('ImagePullBackOff');
    expect(row.message).toBeNull();
    expect(row.containerStatuses.map((c) => [c.state, c.reason, c.message])).toEqual([['waiting', 'ImagePullBackOff', 'Back-off pulling image "web:1.3"']]);
  });
});
