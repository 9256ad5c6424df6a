import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretStore } from '../../electron/services/secret-store';

export interface TestKeychain extends SecretStore {
  /** How many strings were encrypted. */
  encrypted: number;
}

/**
 * A stand-in for Electron's safeStorage under plain Node: real AES-256-GCM
 * with a key that lives as long as the test, so what reaches the database is
 * really ciphertext. `backend` mimics Linux's getSelectedStorageBackend().
 */
export function testKeychain(
  options: { available?: boolean; backend?: string | null } = {},
): TestKeychain {
  const key = randomBytes(32);
  const keychain: TestKeychain = {
    encrypted: 0,
    isEncryptionAvailable: () => options.available ?? true,
    encryptString(plainText: string): Buffer {
      keychain.encrypted++;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decryptString(encrypted: Buffer): string {
      const decipher = createDecipheriv('aes-256-gcm', key, encrypted.subarray(0, 12));
      decipher.setAuthTag(encrypted.subarray(12, 28));
      return Buffer.concat([decipher.update(encrypted.subarray(28)), decipher.final()]).toString(
        'utf8',
      );
    },
  };
  if (options.backend !== null) {
    keychain.getSelectedStorageBackend = () => options.backend ?? 'gnome_libsecret';
  }
  return keychain;
}
