// The programmatic API of @doyensec/electronegativity (its README,
// "Programmatically"), which ships no types; only what build/electronegativity.mjs uses.
declare module '@doyensec/electronegativity' {
  interface Level {
    name: string;
    value: number;
  }

  export interface Finding {
    id: string;
    /** Relative to `input` with isRelative. */
    file: string;
    location: { line: number; column: number };
    severity: Level;
    confidence: Level;
    description: string;
    shortenedURL: string;
  }

  export interface RunOptions {
    /** A folder, a .js or .html file, or an .asar archive. */
    input: string;
    isRelative?: boolean;
    /** The CLI's -e: the Electron version the checks assume. */
    electronVersionOverride?: string;
    /** Check class names, e.g. 'AvailableSecurityFixesGlobalCheck'. */
    excludeFromScan?: string[];
  }

  export default function run(options: RunOptions): Promise<{
    issues: Finding[];
    /** Files it could not parse (tolerable: false) or parsed with warnings. */
    errors: Array<{ file: string; message: string; tolerable: boolean }>;
  }>;
}
