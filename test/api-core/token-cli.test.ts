import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokenService } from '../../src/auth/api-token.service.js';
import { bootstrapMessage, ensureBootstrapToken } from '../../src/auth/bootstrap-token.js';
import { loadConfig } from '../../src/common/config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

let db: TestDatabase;

async function kubegraph(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/kubegraph.js', ...args], {
      cwd: root,
      timeout: 60_000,
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

describe('kubegraph token create', () => {
  it('creates the organisation and a token, printing the secret once on stdout', async () => {
    const res = await kubegraph(['token', 'create', '--org', 'acme', '--role', 'editor', '--name', 'ci deploys']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^kg_[A-Za-z0-9_-]{43}\n$/);
    expect(res.stderr).toContain('created organisation "acme"; created editor token "ci deploys". The secret is shown only this once');
    const secret = res.stdout.trim();
    expect(res.stderr).not.toContain(secret);
    const auth = await new ApiTokenService(db.dataSource).authenticate(secret);
    const [org] = await db.dataSource.query(`SELECT id FROM organizations WHERE name = 'acme'`);
    expect(auth).toMatchObject({ organizationId: org.id, role: 'editor' });

    const again = await kubegraph(['token', 'create', '--org', 'acme', '--role', 'admin', '--expires-in', '30d']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^organisation "acme"; created admin token "cli" expiring \d{4}-/);
    const rows = await db.dataSource.query(`SELECT o.name, t.role, t.expires_at FROM api_tokens t JOIN organizations o ON o.id = t.organization_id ORDER BY t.created_at`);
    expect(rows.map((r: { name: string; role: string }) => [r.name, r.role])).toEqual([
      ['acme', 'editor'],
      ['acme', 'admin'],
    ]);
    const days = (new Date(rows[1].expires_at).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
  }, 120_000);

  it('refuses bad arguments with one clear line and stores nothing', async () => {
    const [{ n: before }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM api_tokens`);
    const badRole = await kubegraph(['token', 'create', '--org', 'acme', '--role', 'root']);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toBe('kubegraph: --role must be one of viewer, editor, admin (got "root")\n');
    const [{ n: after }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM api_tokens`);
    expect(after).toBe(before);
    expect(badRole.stdout).toBe('');

    // Refused after the organisation was looked up: it is not created for a token that is not.
    const orgs = await db.dataSource.query(`SELECT name FROM organizations ORDER BY name`);
    const tooLong = await kubegraph(['token', 'create', '--org', 'fresh', '--role', 'viewer', '--expires-in', '99999999d']);
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toBe('kubegraph: --expires-in must be at most 36500d (100 years); leave it out for a token that never expires (got "99999999d")\n');
    const badName = await kubegraph(['token', 'create', '--org', 'fresh', '--role', 'viewer', '--name', ' ']);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toBe('kubegraph: Token name must be 1 to 100 characters\n');
    expect(badName.stdout).toBe('');
    expect(await db.dataSource.query(`SELECT name FROM organizations ORDER BY name`)).toEqual(orgs);
    expect((await db.dataSource.query(`SELECT count(*)::int AS n FROM api_tokens`))[0].n).toBe(before);
  }, 120_000);
});

describe('first-start admin token', () => {
  it('is created once, for organisation "default", only for the embedded database', async () => {
    const scratch = await createTestDatabase();
    try {
      const withUrl = await ensureBootstrapToken(scratch.dataSource, loadConfig({ DATABASE_URL: scratch.url }));
      expect(withUrl).toBeNull();
      const embedded = loadConfig({});
      // Two starts racing: exactly one token.
      const results = await Promise.all([ensureBootstrapToken(scratch.dataSource, embedded), ensureBootstrapToken(scratch.dataSource, embedded)]);
      const created = results.filter((r) => r !== null);
      expect(created).toHaveLength(1);
      expect(created[0]!.organizationName).toBe('default');
      const auth = await new ApiTokenService(scratch.dataSource).authenticate(created[0]!.secret);
      expect(auth?.role).toBe('admin');
      expect(await ensureBootstrapToken(scratch.dataSource, embedded)).toBeNull();
      const [{ n }] = await scratch.dataSource.query(`SELECT count(*)::int AS n FROM api_tokens`);
      expect(n).toBe(1);
      const message = bootstrapMessage(created[0]!, 'http://localhost:4000/graphql');
      expect(message).toContain(`    ${created[0]!.secret}\n`);
      expect(message).toContain('Open http://localhost:4000/graphql');
    } finally {
      await scratch.drop();
    }
  });
});
