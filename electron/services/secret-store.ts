/**
 * What Labdrop needs from the OS keychain to keep access keys entered in the
 * app. Electron's `safeStorage` satisfies it as it is; tests pass their own.
 * Nothing here imports `electron`: main.ts hands `safeStorage` in.
 */
export interface SecretStore {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /**
   * Linux only: the backend Chromium chose. 'basic_text' means no keychain
   * was found and "encryption" is a hard-coded password, i.e. plain text.
   */
  getSelectedStorageBackend?(): string;
}

/** Why keys cannot be stored safely here, or null when they can. */
export function secretStorageProblem(
  secrets: SecretStore | null,
  platform: NodeJS.Platform = process.platform,
): string | null {
  if (!secrets) {
    return 'Access keys can only be stored by the Labdrop app. On the command line, use an AWS profile from ~/.aws (aws configure, or aws configure sso).';
  }
  // Electron has this method on Linux only.
  const backend = platform === 'linux' ? secrets.getSelectedStorageBackend?.() : undefined;
  if (backend === 'basic_text') {
    return 'This computer has no keychain Labdrop can use (no GNOME Keyring, KWallet or other Secret Service is running), so the keys would be saved as plain text. Labdrop will not do that. Install or unlock a keyring and start Labdrop again, or use an AWS profile from ~/.aws instead.';
  }
  if (!secrets.isEncryptionAvailable() || backend === 'unknown') {
    return 'The system keychain is not available, so Labdrop cannot store keys encrypted. Unlock the keychain (or log in to the desktop session) and try again, or use an AWS profile from ~/.aws instead.';
  }
  return null;
}
