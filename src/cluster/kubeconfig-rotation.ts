import type { DataSource } from 'typeorm';
import { logger, type Logger } from '../common/logger.js';
import { KubeconfigDecryptionError, type KubeconfigCrypto } from './kubeconfig-crypto.js';

export interface RotationResult {
  /** Rows re-encrypted under the current key. */
  rotated: number;
  /** Rows that were already under the current key. */
  current: number;
  /** Rows whose key is not configured (neither current nor old): left as they are. */
  failed: Array<{ clusterId: string; name: string; keyId: string }>;
}

/**
 * Re-encrypts every stored kubeconfig that is not under the current key. Each row is locked, decrypted with
 * whichever configured key wrote it, and re-encrypted in its own transaction, so a failure leaves every other
 * row usable and a concurrent update cannot be overwritten.
 */
export async function rotateKubeconfigKeys(
  dataSource: DataSource,
  crypto: KubeconfigCrypto,
  log: Logger = logger.child({ component: 'key-rotation' }),
): Promise<RotationResult> {
  const result: RotationResult = { rotated: 0, current: 0, failed: [] };
  const rows: Array<{ id: string; encryption_key_id: string }> = await dataSource.query(
    `SELECT id, encryption_key_id FROM k8s_clusters WHERE kubeconfig_encrypted IS NOT NULL ORDER BY created_at, id`,
  );
  for (const { id } of rows) {
    await dataSource.transaction(async (tx) => {
      const [row]: Array<{ name: string; kubeconfig_encrypted: Buffer; encryption_key_id: string }> = await tx.query(
        `SELECT name, kubeconfig_encrypted, encryption_key_id FROM k8s_clusters WHERE id = $1 AND kubeconfig_encrypted IS NOT NULL FOR UPDATE`,
        [id],
      );
      if (!row) return;
      if (!crypto.isStale(row.encryption_key_id)) {
        result.current += 1;
        return;
      }
      let plaintext: string;
      try {
        plaintext = crypto.decrypt({ ciphertext: row.kubeconfig_encrypted, keyId: row.encryption_key_id }, id);
      } catch (err) {
        if (!(err instanceof KubeconfigDecryptionError)) throw err;
        result.failed.push({ clusterId: id, name: row.name, keyId: row.encryption_key_id });
        log.error({ clusterId: id, name: row.name, keyId: row.encryption_key_id, error: err.message }, 'cannot rotate this kubeconfig');
        return;
      }
      const encrypted = crypto.encrypt(plaintext, id);
      await tx.query(`UPDATE k8s_clusters SET kubeconfig_encrypted = $2, encryption_key_id = $3, updated_at = now() WHERE id = $1`, [
        id,
        encrypted.ciphertext,
        encrypted.keyId,
      ]);
      result.rotated += 1;
      log.info({ clusterId: id, name: row.name, fromKeyId: row.encryption_key_id, toKeyId: encrypted.keyId }, 're-encrypted kubeconfig');
    });
  }
  return result;
}
