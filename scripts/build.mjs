#!/usr/bin/env node
// `npm run build`: the tree an installed copy runs (the container image, a systemd unit), dist/.
//
// One esbuild bundle of src/cli.ts with its dependencies, split at the dynamic imports (each
// command, the simulator host, the MQTT client, the pilot load only when used): a process loads a
// few files instead of ~850 modules, and the module loader's per-file state, the unused half of the
// libraries and their comments never reach the heap (the idle gateway's RSS fell by 6-9 MiB; the
// README's "How it fits together" has the figures). Whitespace and syntax are minified, names are
// not, so stack traces stay readable (source maps are written next to the chunks, for
// `node --enable-source-maps`). Type checking is `npm run typecheck`'s job.
//
// Left outside the bundle: native addons (they find their compiled .node file relative to their own
// package) and the optional native PostgreSQL client; they resolve from node_modules at run time.
// Copied: the data files that modules read at run time (the simulators' scenario folders).
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const NATIVE = ['better-sqlite3', 'serialport', '@serialport/*', 'pg-native'];
// ESM output calls CommonJS dependencies' require() of Node's built-ins and of the natives above.
const REQUIRE_SHIM = "import { createRequire as __travelgateRequire } from 'node:module'; const require = __travelgateRequire(import.meta.url);";

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist/src',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  external: NATIVE,
  banner: { js: REQUIRE_SHIM },
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  logLevel: 'warning',
});

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
console.log(`built dist/src/cli.js; copied ${copied} asset folder(s) to dist/`);
