import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_SETTINGS, SettingsSchema, type AppSettings } from '../../shared/ipc';

/**
 * The app's settings as a small JSON file next to the history database. A
 * missing, unreadable or invalid file means the defaults: settings are a
 * convenience, never a reason not to start.
 */
export class SettingsFile {
  private current: AppSettings;

  private constructor(readonly path: string) {
    this.current = readSettings(path);
  }

  static open(path: string): SettingsFile {
    return new SettingsFile(path);
  }

  get(): AppSettings {
    return structuredClone(this.current);
  }

  /** Merges a validated patch and writes the file atomically (temp file, then rename). */
  update(patch: Partial<AppSettings>): AppSettings {
    // A key sent as undefined (structured clone keeps it) leaves the saved value alone.
    const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const next = SettingsSchema.parse({ ...this.current, ...given });
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(next, null, 2)}\n`);
    renameSync(temp, this.path);
    this.current = next;
    return this.get();
  }
}

function readSettings(path: string): AppSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return structuredClone(DEFAULT_SETTINGS);
  }
  // Field by field, so one bad value does not lose the others.
  const merged: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  if (raw && typeof raw === 'object') {
    for (const [field, value] of Object.entries(raw)) {
      if (!(field in DEFAULT_SETTINGS)) continue;
      const candidate = { ...merged, [field]: value };
      if (SettingsSchema.safeParse(candidate).success) merged[field] = value;
    }
  }
  return SettingsSchema.parse(merged);
}
