// The `labdrop` command under Node (bin/labdrop.js): see launch.ts.
import { runCommandLine } from './launch';

process.exit(await runCommandLine(process.argv.slice(2)));
