import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, gql, startApiServer, StatementLog, type ApiServer, type Caller } from './support/api-server.js';

let server: ApiServer;
let caller: Caller;
const log = new StatementLog();

beforeAll(async () => {
  server = await startApiServer({}, { statements: log });
  caller = await createCaller(server, 'acme', 'admin');
});

afterAll(async () => {
  await server?.close();
});

async function statementsFor(query: string, token?: string): Promise<string[]> {
  log.statements = [];
  const res = await gql(server, query, { token });
  expect(res.body.errors).toBeUndefined();
  return log.statements;
}

describe('statements per request', () => {
  it('authenticates with one statement, and writes last_used_at at most once a minute', async () => {
    const first = await statementsFor(`{ viewer { role } }`, caller.secret);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(/WITH valid AS/);
    const [{ last_used_at: used1 }] = await server.db.dataSource.query(`SELECT last_used_at FROM api_tokens WHERE id = $1`, [caller.tokenId]);
    expect(used1).not.toBeNull();
    expect(await statementsFor(`{ viewer { role } }`, caller.secret)).toHaveLength(1);
    const [{ last_used_at: used2 }] = await server.db.dataSource.query(`SELECT last_used_at FROM api_tokens WHERE id = $1`, [caller.tokenId]);
    expect(used2.getTime()).toBe(used1.getTime());
    // Once the stored time is over a minute old, the same single statement refreshes it.
    await server.db.dataSource.query(`UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE id = $1`, [caller.tokenId]);
    expect(await statementsFor(`{ viewer { role } }`, caller.secret)).toHaveLength(1);
    const [{ fresh }] = await server.db.dataSource.query(`SELECT last_used_at > now() - interval '10 seconds' AS fresh FROM api_tokens WHERE id = $1`, [caller.tokenId]);
    expect(fresh).toBe(true);
  });

  it('costs one statement per selected relation of the viewer, none for introspection', async () => {
    expect(await statementsFor(`{ viewer { role organization { name } token { name prefix } } }`, caller.secret)).toHaveLength(3);
    expect(await statementsFor(`{ __schema { queryType { name } } }`)).toHaveLength(0);
  });
});
