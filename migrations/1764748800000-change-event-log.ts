import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable change log: every change event, written in the transaction of the rows it describes, in commit order
 * (`seq`). Replicas read it by sequence range, so a listener that was away reads what it missed, and a subscriber
 * resumes after the last event it saw. Events of the inventory refer to their row (`row_id`) and are delivered with
 * its state when read; events whose row may be gone (a removed cluster) carry their `state`.
 */
export class ChangeEventLog1764748800000 implements MigrationInterface {
  name = 'ChangeEventLog1764748800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE change_events (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        organization_id uuid NOT NULL,
        cluster_id uuid NOT NULL,
        kind text NOT NULL,
        type text NOT NULL CHECK (type IN ('ADDED', 'MODIFIED', 'DELETED')),
        namespace text,
        name text NOT NULL,
        uid text NOT NULL,
        row_id uuid,
        changed_fields text[] NOT NULL DEFAULT '{}',
        state jsonb
      )`);
    await q.query(`CREATE INDEX change_events_committed_at ON change_events (committed_at)`);
    // How far pruning has gone: a cursor at or before it cannot be resumed from.
    await q.query(`
      CREATE TABLE change_event_log (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        pruned_through bigint NOT NULL DEFAULT 0
      )`);
    await q.query(`INSERT INTO change_event_log DEFAULT VALUES`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE change_event_log`);
    await q.query(`DROP TABLE change_events`);
  }
}
