#!/usr/bin/env node
// Runs the compiled CLI; `npm run build` (done by scripts/setup.sh) produces dist/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('patrol is not built yet: run `npm run build` (or scripts/setup.sh) in the Patrol directory\n');
  process.exit(2);
}
await import(main);
