import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** A stored kubeconfig could not be decrypted: unknown key, wrong row, or tampered bytes. Never carries plaintext. */
export class KubeconfigDecryptionError extends Error {
  override name = 'KubeconfigDecryptionError';
}

export interface EncryptedKubeconfig {
  /** version (1 byte) ‖ nonce (12 bytes) ‖ AES-256-GCM ciphertext ‖ tag (16 bytes). */
  ciphertext: Buffer;
  /** Which key encrypted it: {@link keyIdOf} of that key. */
  keyId: string;
}

const FORMAT_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Public name of a key: the first 8 bytes of its SHA-256, hex. Identifies the key without revealing it. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest().subarray(0, 8).toString('hex');
}

/** Binds a ciphertext to its row and key: moving it to another cluster's row, or relabelling its key, fails authentication. */
function associatedData(clusterId: string, keyId: string): Buffer {
  return Buffer.from(`kubegraph/k8s_clusters/kubeconfig/v${FORMAT_VERSION}/${clusterId}/${keyId}`, 'utf8');
}

/**
 * Kubeconfig encryption at rest: AES-256-GCM under the current key with a fresh random nonce per write.
 * Older keys are kept for decryption only, so rows written before a key change still open until rotated.
 */
export class KubeconfigCrypto {
  readonly currentKeyId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(currentKey: Buffer, oldKeys: readonly Buffer[] = []) {
    for (const key of [currentKey, ...oldKeys]) {
      if (key.length !== 32) throw new Error('encryption keys must be 32 bytes');
    }
    this.currentKeyId = keyIdOf(currentKey);
    this.keys.set(this.currentKeyId, currentKey);
    for (const key of oldKeys) {
      const id = keyIdOf(key);
      if (!this.keys.has(id)) this.keys.set(id, key);
    }
  }

  encrypt(plaintext: string, clusterId: string): EncryptedKubeconfig {
    const key = this.keys.get(this.currentKeyId)!;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(clusterId, this.currentKeyId));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      ciphertext: Buffer.concat([Buffer.from([FORMAT_VERSION]), nonce, body, cipher.getAuthTag()]),
      keyId: this.currentKeyId,
    };
  }

  decrypt(encrypted: EncryptedKubeconfig, clusterId: string): string {
    const key = this.keys.get(encrypted.keyId);
    if (!key) {
      throw new KubeconfigDecryptionError(
        `the kubeconfig of cluster ${clusterId} was encrypted with key ${encrypted.keyId}, which is neither BYOK_ENCRYPTION_KEY nor listed in BYOK_ENCRYPTION_KEYS_OLD`,
      );
    }
    const data = encrypted.ciphertext;
    if (data.length < 1 + NONCE_BYTES + TAG_BYTES || data[0] !== FORMAT_VERSION) {
      throw new KubeconfigDecryptionError(`the stored kubeconfig of cluster ${clusterId} is not in a format this version can read`);
    }
    const nonce = data.subarray(1, 1 + NONCE_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const body = data.subarray(1 + NONCE_BYTES, data.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(clusterId, encrypted.keyId));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new KubeconfigDecryptionError(
        `the stored kubeconfig of cluster ${clusterId} failed authentication (it belongs to another row or was altered)`,
      );
    }
  }

  /** Ids of every key this process can decrypt with: the current one first. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** True when a row was written under an older key and `keys rotate` would re-encrypt it. */
  isStale(keyId: string): boolean {
    return keyId !== this.currentKeyId;
  }
}
