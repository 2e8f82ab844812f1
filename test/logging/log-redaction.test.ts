import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { testServerUrl } from '../support/database.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

const userToken = `sha256~${randomBytes(24).toString('hex')}`;
const clientKeyData = Buffer.from(`-----BEGIN EC PRIVATE KEY-----\n${randomBytes(90).toString('base64')}\n-----END EC PRIVATE KEY-----\n`).toString('base64');
const jwt = [{ alg: 'RS256', kid: 'sa' }, { sub: 'system:serviceaccount:kube-system:kubegraph' }, randomBytes(64)]
  .map((part) => Buffer.from(Buffer.isBuffer(part) ? part : JSON.stringify(part)).toString('base64url'))
  .join('.');
const apiToken = `kg_${randomBytes(32).toString('base64url')}`;
const rowValue = `row-${randomBytes(12).toString('hex')}`;

// The fault (an unclosed flow sequence) right after the credentials, so that the parser quotes them.
const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://10.0.0.1:6443
users:
- name: admin
  user:
    token: ${userToken}
    client-key-data: ${clientKeyData}
contexts: [unclosed
`;

/** Runs the fixture and returns what the service's logger wrote to stdout. */
function logsOf(args: Record<string, string>, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'test/logging/fixtures/log-secrets.ts', JSON.stringify(args)], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`fixture exited with ${code}: ${stderr}`))));
  });
}

describe('the service logger', () => {
  it('writes no secret that an error carries, whichever key holds it, and keeps the rest of the line', async () => {
    // The parser's own message quotes the credentials: that is what would reach the log.
    const parseFailure = (() => {
      try {
        new KubeConfig().loadFromString(kubeconfig);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('the kubeconfig parsed');
    })();
    // It cuts long lines short: the start of each credential is what would leak.
    const quoted = (key: string, value: string) => {
      const shown = new RegExp(`${key}: (\\S+)`).exec(parseFailure)?.[1] ?? '';
      expect(shown.length).toBeGreaterThanOrEqual(8);
      expect(value.startsWith(shown)).toBe(true);
      return shown;
    };
    const quotedToken = quoted('token', userToken);
    const quotedKey = quoted('client-key-data', clientKeyData);

    const output = await logsOf({ kubeconfig, jwt, apiToken, rowValue, url: testServerUrl() });
    for (const secret of [userToken, quotedToken, clientKeyData, quotedKey, jwt, jwt.split('.')[2], apiToken, rowValue]) expect(output).not.toContain(secret);

    const [parse, request, unexpected, statement] = output.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
    expect(parse).toMatchObject({ component: 'cluster', msg: 'kubeconfig rejected', err: { type: expect.stringMatching(/^YAMLException/) } });
    expect(parse.err.message).toMatch(/^unexpected end of the stream within a flow collection/);
    expect(parse.err.message).toContain('token: [REDACTED]');
    expect(parse.err.stack).toContain('token: [REDACTED]');
    // js-yaml keeps the whole document it parsed on the error; only the lines it quotes are logged.
    expect(parse.err).not.toHaveProperty('mark');
    expect(output).not.toContain('server: https://10.0.0.1:6443');

    expect(request).toMatchObject({ component: 'sync', msg: 'list/watch failed; retrying' });
    expect(request.err).toBe('GET https://10.0.0.1:6443/api/v1/pods answered 401 to Authorization: Bearer [REDACTED]');

    expect(unexpected).toMatchObject({
      component: 'graphql',
      msg: 'unexpected error while answering a GraphQL request',
      path: ['viewer'],
      error: { type: 'Error', message: 'the API token [REDACTED] could not be checked' },
    });
    expect(unexpected.errorId).toMatch(/^[0-9a-f-]{36}$/);

    // What identifies the failed statement stays; the row it carried does not.
    expect(statement).toMatchObject({
      component: 'writer',
      msg: 'change cannot be written; skipped',
      err: { type: 'QueryFailedError', code: '23514', table: 'leak', query: 'INSERT INTO leak (v) VALUES ($1)' },
    });
    expect(statement.err).not.toHaveProperty('parameters');
    expect(statement.err).not.toHaveProperty('detail');
  });

  it('writes no secret either as readable lines for a terminal (LOG_FORMAT=pretty)', async () => {
    const output = await logsOf({ kubeconfig, jwt, apiToken, rowValue, url: testServerUrl() }, { LOG_FORMAT: 'pretty' });
    expect(output).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] WARN: kubeconfig rejected /m);
    expect(output).toContain('Authorization: Bearer [REDACTED]');
    for (const secret of [userToken, clientKeyData, jwt, jwt.split('.')[2], apiToken, rowValue]) expect(output).not.toContain(secret);
  });
});
