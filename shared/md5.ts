const BASE64 = /^[A-Za-z0-9+/]{22}==$/;

/**
 * The center's `content-md5` must be base64 of the raw 16-byte digest, never
 * hex: 24 characters ending in "==" that decode to exactly 16 bytes.
 */
export function isBase64Md5(value: string): boolean {
  return BASE64.test(value);
}

export function hexToBase64Md5(hex: string): string {
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`"${hex}" is not a hex MD5 digest`);
  let binary = '';
  for (let i = 0; i < 32; i += 2) binary += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(binary);
}
