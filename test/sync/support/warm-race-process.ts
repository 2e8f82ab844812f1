// The race of issue "shutdown spins": a writer warms its connections while one of them fails and another is still
// connecting; that one's connection arrives afterwards, and then the pool is closed. Run in its own process because
// a pool close that spins on microtasks blocks every timer of its process, the test's own timeout included.
// Prints one JSON line once the pool is closed.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { DataSource, QueryRunner } from 'typeorm';
import { createDataSource } from '../../../src/db/data-source.js';
import { InProcessEventBus } from '../../../src/events/in-process-event-bus.js';
import { logger } from '../../../src/common/logger.js';
import { Writer } from '../../../src/sync/writer.js';

interface PoolInternals {
  connectedQueryRunners: QueryRunner[];
  master: { totalCount: number; idleCount: number };
}

const { url } = JSON.parse(process.argv[2]!) as { url: string };
const target = new URL(url);

// A proxy in front of PostgreSQL. Once `racing`, the first new connection is cut at once (its connect fails) and the
// second is held until the pool has seen that failure, then let through.
let racing = false;
let raced = 0;
let heldUntil: Promise<void> = Promise.resolve();
const proxy = net.createServer((client) => {
  if (racing && ++raced === 1) {
    client.destroy();
    return;
  }
  void heldUntil.then(() => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
});
await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const viaProxy = new URL(url);
viaProxy.hostname = '127.0.0.1';
viaProxy.port = String((proxy.address() as net.AddressInfo).port);

const dataSource: DataSource = createDataSource(viaProxy.toString(), { poolSize: 5, applicationName: 'warm-race' });
await dataSource.initialize();
const driver = dataSource.driver as unknown as PoolInternals;
// initialize() leaves one idle connection: the writer's first runner takes it, the other two open new ones.
const idleBefore = driver.master.idleCount;

racing = true;
heldUntil = (async () => {
  // The pool counts a connection from the moment it starts connecting, and forgets it when its connect fails,
  // calling back the runner's connect() at the same moment: the turn after that, every reaction to the failure has run.
  while (driver.master.totalCount !== idleBefore + 1) await nextTurn();
  await nextTurn();
})();

const writer = new Writer({ dataSource, eventBus: new InProcessEventBus(), clusterId: randomUUID(), organizationId: randomUUID(), log: logger, concurrency: 3 });
await writer.warm();
await heldUntil;
// Until the held connection has arrived: back in the pool (idle) when its runner waited for it, or listed as connected
// by a runner that was released before it arrived.
while (driver.master.idleCount < idleBefore + 1 && driver.connectedQueryRunners.length === 0) await nextTurn();
const listedAfterWarm = driver.connectedQueryRunners.length;
const idleAfterWarm = driver.master.idleCount;

await dataSource.destroy();
proxy.close();
process.stdout.write(`${JSON.stringify({ closed: true, raced, idleBefore, idleAfterWarm, listedAfterWarm })}\n`);
