#!/usr/bin/env node
// After `tsc -p tsconfig.build.json`: copies the data files that compiled modules read at run time
// (the simulators' scenario files) to the same place under dist/.
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ASSET = /\.(ya?ml|json)$/;
let copied = 0;
for (const root of ['simulators', 'drivers']) {
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name !== 'scenarios') continue;
    const dir = join(entry.parentPath ?? entry.path, entry.name);
    cpSync(dir, join('dist', dir), { recursive: true, filter: (src) => !existsSync(src) || ASSET.test(src) || !src.includes('.') });
    copied++;
  }
}
console.log(`copied ${copied} asset folder(s) to dist/`);
