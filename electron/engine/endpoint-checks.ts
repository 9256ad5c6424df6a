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
  private readonly known = new Set<string>();

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
    if (this.known.has(key)) return true;
    const row = this.store.withDatabase((db) =>
      db.prepare(`SELECT ${lack} AS lacks FROM endpoints WHERE endpoint = ?`).get(endpoint ?? ''),
    ) as { lacks: number } | undefined;
    if (row?.lacks) this.known.add(key);
    return this.known.has(key);
  }

  private mark(endpoint: string | null, lack: Lack): void {
    const key = `${lack} ${endpoint ?? ''}`;
    if (this.known.has(key)) return;
    this.known.add(key);
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
