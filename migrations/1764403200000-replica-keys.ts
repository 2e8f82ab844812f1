import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each replica announces the ids of the encryption keys it holds, so that a cluster is only ever leased to a
 * replica that can decrypt its kubeconfig: during a key rollout, replicas that still run with the old key set
 * leave the re-encrypted clusters to those that have the new key instead of holding them in an error state.
 */
export class ReplicaKeys1764403200000 implements MigrationInterface {
  name = 'ReplicaKeys1764403200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sync_replicas ADD COLUMN key_ids text[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sync_replicas DROP COLUMN key_ids`);
  }
}
