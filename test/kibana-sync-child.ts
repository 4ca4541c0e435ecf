/**
 * Child process of the "killed between batches" test: runs `synthctl apply` with the
 * arguments it is given, in the current directory, with the parent's environment.
 */
import { main } from '../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
