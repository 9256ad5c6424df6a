import { readFile, writeFile } from 'node:fs/promises';
import { ServiceError } from '../../services/service-error';
import type { CommandOf } from '../args';
import { EXIT, out, plural, withTargetServices } from '../io';

/** `labdrop profiles list | import | export`: the submission profiles (the center's is default). */
export function profiles(command: CommandOf<'profiles'>): Promise<number> {
  return withTargetServices(async (services) => {
    switch (command.action) {
      case 'list': {
        const list = services.profiles.list();
        if (command.json) {
          out(JSON.stringify(list));
          return EXIT.ok;
        }
        for (const p of list) {
          out(
            `${p.name}${p.isDefault ? ' (default)' : ''}${p.builtIn ? ", the center's preset" : ''}`,
          );
          out(`    metadata ${p.md5MetadataKey} = base64 of the whole file's MD5`);
          for (const id of p.fullControlIds) out(`    full control: ${id}`);
        }
        return EXIT.ok;
      }
      case 'import': {
        let text: string;
        try {
          text = await readFile(command.file, 'utf8');
        } catch (error) {
          throw new ServiceError(
            'FileUnreadable',
            `Cannot read ${command.file} (${(error as { code?: string }).code ?? String(error)}).`,
          );
        }
        const profile = services.profiles.importJson(text, { replace: command.replace });
        out(
          `Imported the submission profile "${profile.name}" (${plural(profile.fullControlIds.length, 'canonical ID')}).`,
        );
        return EXIT.ok;
      }
      case 'export': {
        const text = services.profiles.exportJson(command.profile);
        if (command.output === null) {
          out(text.trimEnd());
          return EXIT.ok;
        }
        try {
          await writeFile(command.output, text);
        } catch (error) {
          throw new ServiceError(
            'FileUnwritable',
            `Cannot write ${command.output} (${(error as { code?: string }).code ?? String(error)}).`,
          );
        }
        out(`Wrote the submission profile "${command.profile}" to ${command.output}.`);
        return EXIT.ok;
      }
    }
  });
}
