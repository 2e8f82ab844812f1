import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why a pod is in trouble, in Kubernetes' words: status.message (an eviction's "The node was low on resource:
 * memory…") or, while it cannot be scheduled, the PodScheduled condition's message ("0/3 nodes are available: …").
 * Problem feeds show it beside the reason.
 */
export class PodStatusMessage1764835200000 implements MigrationInterface {
  name = 'PodStatusMessage1764835200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE k8s_pods ADD COLUMN message text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE k8s_pods DROP COLUMN message`);
  }
}
