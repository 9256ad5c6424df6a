import type { Store } from './store';

/**
 * What Labdrop learned of each endpoint's checks, kept in the state database
 * for later uploads and runs: whether it ignores x-amz-checksum-crc32 (it
 * accepts the header but echoes no checksum back, so it did not check it).
 * Such stores (older Ceph RGW, some NAS gateways) check Content-MD5 instead.
 */
export class EndpointChecks {
  private readonly ignoring = new Set<string>();

  constructor(private readonly store: Store) {}

  ignoresCrc32(endpoint: string | null): boolean {
    const key = endpoint ?? '';
    if (this.ignoring.has(key)) return true;
    const row = this.store.withDatabase((db) =>
      db.prepare('SELECT crc32_ignored FROM endpoints WHERE endpoint = ?').get(key),
    ) as { crc32_ignored: number } | undefined;
    if (row?.crc32_ignored) this.ignoring.add(key);
    return this.ignoring.has(key);
  }

  markIgnoresCrc32(endpoint: string | null): void {
    const key = endpoint ?? '';
    if (this.ignoring.has(key)) return;
    this.ignoring.add(key);
    this.store.withDatabase((db) =>
      db
        .prepare(
          `INSERT INTO endpoints (endpoint, crc32_ignored) VALUES (?, 1)
             ON CONFLICT (endpoint) DO UPDATE SET crc32_ignored = 1`,
        )
        .run(key),
    );
  }
}
