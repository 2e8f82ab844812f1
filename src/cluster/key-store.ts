import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, parseKey, type Config } from '../common/config.js';
import { logger, type Logger } from '../common/logger.js';
import { KubeconfigCrypto, keyIdOf } from './kubeconfig-crypto.js';

export const GENERATED_KEY_FILE = 'encryption.key';

/**
 * The kubeconfig encryption keys for this process: BYOK_ENCRYPTION_KEY when set; otherwise, for the embedded
 * database only, a key generated once into the data directory. With an external database and no key we refuse:
 * a key generated on one replica would leave every other replica unable to read the rows it wrote.
 */
export async function resolveKubeconfigCrypto(
  config: Pick<Config, 'encryptionKey' | 'oldEncryptionKeys' | 'databaseUrl' | 'dataDir'>,
  log: Logger = logger.child({ component: 'key-store' }),
): Promise<KubeconfigCrypto> {
  if (config.encryptionKey) return new KubeconfigCrypto(config.encryptionKey, config.oldEncryptionKeys);
  if (config.databaseUrl) {
    throw new ConfigError(
      'BYOK_ENCRYPTION_KEY is required when DATABASE_URL is set (32 random bytes in base64, e.g. `openssl rand -base64 32`); it encrypts stored kubeconfigs',
    );
  }
  const key = await loadOrGenerateKey(config.dataDir, log);
  return new KubeconfigCrypto(key, config.oldEncryptionKeys);
}

async function loadOrGenerateKey(dataDir: string, log: Logger): Promise<Buffer> {
  const file = path.resolve(dataDir, GENERATED_KEY_FILE);
  const existing = await readKeyFile(file);
  if (existing) return existing;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    // 'wx' so that two processes starting together cannot each write their own key.
    await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return (await readKeyFile(file))!;
    throw err;
  }
  log.warn(
    { file, keyId: keyIdOf(key) },
    'generated a kubeconfig encryption key for the embedded database; back this file up, or set BYOK_ENCRYPTION_KEY',
  );
  return key;
}

async function readKeyFile(file: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(`${file} is readable by other users (mode ${mode.toString(8)}); run chmod 600 on it`);
  }
  return parseKey(file, text);
}
