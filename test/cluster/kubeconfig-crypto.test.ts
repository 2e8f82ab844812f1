import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/common/config.js';
import { resolveKubeconfigCrypto, GENERATED_KEY_FILE } from '../../src/cluster/key-store.js';
import { KubeconfigCrypto, KubeconfigDecryptionError, keyIdOf } from '../../src/cluster/kubeconfig-crypto.js';
import { captureLogs } from './support/capture-logs.js';

const PLAINTEXT = 'apiVersion: v1\nusers:\n- name: u\n  user:\n    token: very-secret-token-123\n';
const CLUSTER_A = '11111111-1111-4111-8111-111111111111';
const CLUSTER_B = '22222222-2222-4222-8222-222222222222';

describe('KubeconfigCrypto', () => {
  it('round-trips and never stores the plaintext', () => {
    const crypto = new KubeconfigCrypto(randomBytes(32));
    const enc = crypto.encrypt(PLAINTEXT, CLUSTER_A);
    expect(enc.ciphertext.includes(Buffer.from('very-secret-token-123'))).toBe(false);
    expect(enc.ciphertext.length).toBe(1 + 12 + Buffer.byteLength(PLAINTEXT) + 16);
    expect(enc.keyId).toBe(crypto.currentKeyId);
    expect(enc.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(crypto.decrypt(enc, CLUSTER_A)).toBe(PLAINTEXT);
  });

  it('uses a fresh nonce per write', () => {
    const crypto = new KubeconfigCrypto(randomBytes(32));
    const a = crypto.encrypt(PLAINTEXT, CLUSTER_A).ciphertext;
    const b = crypto.encrypt(PLAINTEXT, CLUSTER_A).ciphertext;
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('refuses a ciphertext moved to another cluster row', () => {
    const crypto = new KubeconfigCrypto(randomBytes(32));
    const enc = crypto.encrypt(PLAINTEXT, CLUSTER_A);
    expect(() => crypto.decrypt(enc, CLUSTER_B)).toThrow(KubeconfigDecryptionError);
    expect(() => crypto.decrypt(enc, CLUSTER_B)).toThrow(/failed authentication/);
  });

  it('refuses altered bytes and a relabelled key id', () => {
    const current = randomBytes(32);
    const old = randomBytes(32);
    const crypto = new KubeconfigCrypto(current, [old]);
    const enc = crypto.encrypt(PLAINTEXT, CLUSTER_A);
    const flipped = Buffer.from(enc.ciphertext);
    flipped[20]! ^= 1;
    expect(() => crypto.decrypt({ ...enc, ciphertext: flipped }, CLUSTER_A)).toThrow(/failed authentication/);
    expect(() => crypto.decrypt({ ...enc, keyId: keyIdOf(old) }, CLUSTER_A)).toThrow(/failed authentication/);
  });

  it('decrypts with the right key only; old keys decrypt until rotated', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = new KubeconfigCrypto(oldKey);
    const enc = before.encrypt(PLAINTEXT, CLUSTER_A);

    const withoutOld = new KubeconfigCrypto(newKey);
    expect(() => withoutOld.decrypt(enc, CLUSTER_A)).toThrow(/neither BYOK_ENCRYPTION_KEY nor listed in BYOK_ENCRYPTION_KEYS_OLD/);

    const rotating = new KubeconfigCrypto(newKey, [oldKey]);
    expect(rotating.isStale(enc.keyId)).toBe(true);
    expect(rotating.decrypt(enc, CLUSTER_A)).toBe(PLAINTEXT);
    const rotated = rotating.encrypt(rotating.decrypt(enc, CLUSTER_A), CLUSTER_A);
    expect(rotated.keyId).toBe(keyIdOf(newKey));
    expect(rotating.isStale(rotated.keyId)).toBe(false);
    expect(new KubeconfigCrypto(newKey).decrypt(rotated, CLUSTER_A)).toBe(PLAINTEXT);
    expect(() => new KubeconfigCrypto(oldKey).decrypt(rotated, CLUSTER_A)).toThrow(KubeconfigDecryptionError);
  });

  it('error messages carry no plaintext', () => {
    const crypto = new KubeconfigCrypto(randomBytes(32));
    const enc = crypto.encrypt(PLAINTEXT, CLUSTER_A);
    try {
      crypto.decrypt(enc, CLUSTER_B);
      expect.unreachable();
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('very-secret');
      expect(String((err as Error).stack)).not.toContain('very-secret');
    }
  });
});

describe('resolveKubeconfigCrypto', () => {
  it('uses BYOK_ENCRYPTION_KEY and the old keys when set', async () => {
    const key = randomBytes(32);
    const old = randomBytes(32);
    const crypto = await resolveKubeconfigCrypto({ encryptionKey: key, oldEncryptionKeys: [old], databaseUrl: 'postgresql://x/y', dataDir: '/nonexistent' });
    expect(crypto.currentKeyId).toBe(keyIdOf(key));
    const enc = new KubeconfigCrypto(old).encrypt(PLAINTEXT, CLUSTER_A);
    expect(crypto.decrypt(enc, CLUSTER_A)).toBe(PLAINTEXT);
  });

  it('refuses an external database without a key', async () => {
    await expect(
      resolveKubeconfigCrypto({ encryptionKey: undefined, oldEncryptionKeys: [], databaseUrl: 'postgresql://x/y', dataDir: '/nonexistent' }),
    ).rejects.toThrow(ConfigError);
    await expect(
      resolveKubeconfigCrypto({ encryptionKey: undefined, oldEncryptionKeys: [], databaseUrl: 'postgresql://x/y', dataDir: '/nonexistent' }),
    ).rejects.toThrow(/BYOK_ENCRYPTION_KEY is required when DATABASE_URL is set/);
  });

  it('generates one key for the embedded database, mode 0600, logs it once, and reuses it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kubegraph-key-'));
    try {
      const cfg = { encryptionKey: undefined, oldEncryptionKeys: [], databaseUrl: undefined, dataDir: path.join(dir, 'data') };
      const logs = captureLogs();
      const first = await resolveKubeconfigCrypto(cfg, logs.logger);
      const file = path.join(dir, 'data', GENERATED_KEY_FILE);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
      expect(key.length).toBe(32);
      expect(first.currentKeyId).toBe(keyIdOf(key));
      const second = await resolveKubeconfigCrypto(cfg, logs.logger);
      expect(second.currentKeyId).toBe(first.currentKeyId);
      const generated = logs.lines().filter((l) => /generated a kubeconfig encryption key/.test(String(l.msg)));
      expect(generated).toHaveLength(1);
      expect(generated[0]!.file).toBe(file);
      expect(logs.text()).not.toContain(key.toString('base64'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a generated key file that others can read', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kubegraph-key-'));
    try {
      const file = path.join(dir, GENERATED_KEY_FILE);
      await writeFile(file, randomBytes(32).toString('base64'));
      await chmod(file, 0o644);
      await expect(
        resolveKubeconfigCrypto({ encryptionKey: undefined, oldEncryptionKeys: [], databaseUrl: undefined, dataDir: dir }),
      ).rejects.toThrow(/readable by other users/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
