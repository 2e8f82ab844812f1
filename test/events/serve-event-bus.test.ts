import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/common/config.js';
import type { ChangeEvent } from '../../src/events/change-event.js';
import { ChangeLogBus } from '../../src/events/change-log-bus.js';
import { sharedEventBus } from '../../src/events/shared-event-bus.js';
import { startServe, type RunningServer } from '../../src/server/serve.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const event: ChangeEvent = {
  organizationId: '00000000-0000-4000-8000-000000000001',
  clusterId: '00000000-0000-4000-8000-000000000002',
  kind: 'Pod',
  type: 'MODIFIED',
  namespace: 'default',
  name: 'web-1',
  uid: 'uid-1',
  changedFields: ['phase'],
  state: { phase: 'Running' },
  committedAt: new Date('2026-11-27T09:00:00Z'),
};

describe('serve on DATABASE_URL', () => {
  let db: TestDatabase;
  let server: RunningServer;
  let otherReplica: ChangeLogBus;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = { ...loadConfig({ DATABASE_URL: db.url }), host: '127.0.0.1', port: 0 };
    server = await startServe({ config, components: [] });
    otherReplica = sharedEventBus(db.dataSource);
  });
  afterAll(async () => {
    await otherReplica?.close();
    await server?.stop();
    await db?.drop();
  });

  test('receives the changes another replica commits, so its subscribers see every cluster', async () => {
    const received: ChangeEvent[] = [];
    const arrived = new Promise<void>((resolve) => {
      server.context.eventBus.subscribe((events) => {
        received.push(...events);
        resolve();
      });
    });
    await otherReplica.publish([event]);
    await arrived;
    // As the change log holds it: with its sequence number and commit time.
    const { committedAt: _published, ...rest } = event;
    expect(received).toEqual([{ ...rest, seq: expect.any(Number), committedAt: expect.any(Date) }]);
  });
});
