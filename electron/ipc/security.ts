/**
 * Note on the window's security (enforced in electron/window.ts and
 * electron/ipc/channels.ipc.ts; renderer/index.html carries the same policy):
 * - the page may load scripts and styles only from the app itself, no inline
 *   code or styles, no eval, no plugins, no remote content;
 * - main answers IPC only from our window's top frame showing our page.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');

/** Where our page is loaded from: the built index.html, or the dev server in development. */
export interface TrustedPage {
  /** file:// URL of out/renderer/index.html. */
  fileUrl?: string;
  /** Origin of electron-vite's dev server, e.g. http://localhost:5173. */
  devOrigin?: string;
}

/** Whether a frame's URL is our page (any #hash or ?query on it is ours too). */
export function isTrustedUrl(url: string, page: TrustedPage): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (page.devOrigin && parsed.origin === page.devOrigin) return true;
  if (page.fileUrl && parsed.protocol === 'file:') {
    const expected = new URL(page.fileUrl);
    // file://host/… is a share on another machine (UNC on Windows), not our copy.
    if (parsed.host !== expected.host) return false;
    return decodedPath(parsed) === decodedPath(expected);
  }
  return false;
}

/** The pathname with %-escapes decoded; null for malformed escapes (never trusted). */
function decodedPath(url: URL): string | null {
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
}
