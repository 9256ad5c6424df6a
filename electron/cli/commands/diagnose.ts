import { buildDiagnostics, diagnosticsJson, formatDiagnostics } from '../../services/diagnostics';
import type { CommandOf } from '../args';
import { EXIT, out, withTargetServices } from '../io';

/** `labdrop diagnose`: what Settings' "Copy diagnostics" copies, for a message to the center. */
export function diagnose(command: CommandOf<'diagnose'>, version: string): Promise<number> {
  return withTargetServices(async (services, { home, log }) => {
    const diagnostics = buildDiagnostics({
      home,
      logFile: log.path,
      version,
      runningAs: 'cli',
      services,
    });
    out(command.json ? diagnosticsJson(diagnostics) : formatDiagnostics(diagnostics));
    return EXIT.ok;
  });
}
