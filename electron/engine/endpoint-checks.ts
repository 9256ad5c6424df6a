import type { Store } from './store';

/** What an endpoint may not do, each a column of the endpoints table. */
type Lack = 'crc32_ignored' | 'conditional_writes_ignored';

/**
 * What Labdrop learned of each endpoint's checks, kept in the state database
 * for later uploads and runs:
 * - whether it ignores x-amz-checksum-crc32 (it accepts the header but
 *   echoes no checksum back, so it did not check it). Such stores (older
 *   Ceph RGW, some NAS gateways) check Content-MD5 instead;
 * - whether it refuses conditional writes (If-None-Match, If-Match) as not
 *   implemented: there the review of the bucket is the only check.
 */
export class EndpointChecks {
  /**
   * What was read or learnt, by lack and endpoint: asked of the database
   * once per process, not for every file (another process that learns of a
   * lack meanwhile records it; this one learns it itself at its next upload
   * there, as that one did).
   */
  private readonly known = new Map<string, boolean>();

  constructor(private readonly store: Store) {}

  ignoresCrc32(endpoint: string | null): boolean {
    return this.lacks(endpoint, 'crc32_ignored');
  }

  markIgnoresCrc32(endpoint: string | null): void {
    this.mark(endpoint, 'crc32_ignored');
  }

  ignoresConditionalWrites(endpoint: string | null): boolean {
    return this.lacks(endpoint, 'conditional_writes_ignored');
  }

  markIgnoresConditionalWrites(endpoint: string | null): void {
    this.mark(endpoint, 'conditional_writes_ignored');
  }

  private lacks(endpoint: string | null, lack: Lack): boolean {
    const key = `${lack} ${endpoint ?? ''}`;
    const known = this.known.get(key);
    if (known !== undefined) return known;
    const row = this.store.withDatabase((db) =>
      db.prepare(`SELECT ${lack} AS lacks FROM endpoints WHERE endpoint = ?`).get(endpoint ?? ''),
    ) as { lacks: number } | undefined;
    this.known.set(key, Boolean(row?.lacks));
    return Boolean(row?.lacks);
  }

  private mark(endpoint: string | null, lack: Lack): void {
    const key = `${lack} ${endpoint ?? ''}`;
    if (this.known.get(key)) return;
    this.known.set(key, true);
    this.store.withDatabase((db) =>
      db
        .prepare(
          `INSERT INTO endpoints (endpoint, ${lack}) VALUES (?, 1)
             ON CONFLICT (endpoint) DO UPDATE SET ${lack} = 1`,
        )
        .run(endpoint ?? ''),
    );
  }
}
