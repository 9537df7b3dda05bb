// Removes optionalDependencies from package-lock.json that have no entry of their own in the lock.
//
// Why: native packages (msgpackr-extract, unrs-resolver) list one optional package per platform.
// The npm registry Patrol installs from (an offline mirror in banks, and on the CI machines) only
// carries the Linux ones, so `npm install` writes the edges but cannot lock the foreign-platform
// packages, and `npm ci` then refuses the lock as "not in sync" ("Missing: ...darwin-arm64@ from
// lock file"). Dropping the dangling edges is exactly what npm would install anyway on Linux.
// Idempotent; prints what it removed. Usage: node scripts/prune-lock-optionals.mjs [package-lock.json]
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages ?? {};

/** Node's resolution: node_modules/NAME next to the package, then in each enclosing node_modules. */
function locate(from, name) {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return null;
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}

const removed = [];
for (const [path, entry] of Object.entries(packages)) {
  if (!path || !entry.optionalDependencies) continue;
  for (const dep of Object.keys(entry.optionalDependencies)) {
    if (!locate(path, dep)) {
      delete entry.optionalDependencies[dep];
      removed.push(`${path} -> ${dep}`);
    }
  }
  if (Object.keys(entry.optionalDependencies).length === 0) delete entry.optionalDependencies;
}
if (removed.length) {
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`package-lock: dropped ${removed.length} optional dependencies the registry has no package for`);
}
