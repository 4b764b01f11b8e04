#!/usr/bin/env node
// `npm run build`: the tree an installed copy runs (the container image, a systemd unit), dist/.
//
// esbuild bundles, CommonJS: dist/src/cli.js (the command line) and one bundle per command,
// dist/src/cli/<command>.js, which cli.js requires when that command runs, so a process loads a
// few files instead of ~850 modules, and the module loader's per-file state, the unused half of the
// libraries and their comments never reach the heap; the gateway never loads the pilot's or
// export's code. CommonJS because Node's ES module loader alone holds about 3 MB in every process
// that uses it, and a bundle needs nothing of it (README, "How it fits together", has the figures).
// Whitespace and syntax are minified, names are not, so stack traces stay readable (source maps
// are written next to the bundles, for `node --enable-source-maps`). Type checking is
// `npm run typecheck`'s job.
//
// Left outside the bundle: native addons (they find their compiled .node file relative to their own
// package) and the optional native PostgreSQL client; they resolve from node_modules at run time.
// So do the parts of Fastify it requires only on demand and this gateway never asks for: its schema
// compilers (ajv, fast-json-stringify; the routes validate with zod, src/api/server.ts) and
// `inject()` (light-my-request, for tests). Inside the bundle their source would sit in the heap of
// every process unused (about 0.4 MB of text); outside, a call that did need them still finds them.
// Of zod's locales only English is bundled: `export * as locales` keeps all 40 (0.3 MB) otherwise,
// and the gateway's messages are English. MQTT.js and mqtt-packet each bring their own copy of
// `readable-stream` (a port of Node's streams, 0.2 MB of text each); the bundle gives them Node's
// own streams instead, which is what readable-stream itself exports under READABLE_STREAM=disable,
// the setting src/sinks/mqtt/client.ts makes for an unbundled run, so tests run the same streams.
// Copied: the data files that modules read at run time (the simulators' scenario folders).
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const NATIVE = ['better-sqlite3', 'serialport', '@serialport/*', 'pg-native'];
const ON_DEMAND = ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'light-my-request'];

/**
 * Node built-ins a bundled library requires when it loads but uses only on paths this gateway may
 * never take, loaded on first use instead: Fastify's server.js needs HTTP/2 only for an HTTP/2
 * server, HTTPS only for a TLS API, DNS only to listen on "localhost" (about 3.5 MB of resident
 * memory together). Each is replaced there by an object that requires the module on its first
 * property access, so a call that does need it works as before.
 */
const LAZY_BUILTINS = { 'fastify/lib/server.js': ['node:http2', 'node:https', 'node:dns'] };
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => {
      const lazy = Object.entries(LAZY_BUILTINS).some(([file, builtins]) => args.importer.endsWith(join('node_modules', file)) && builtins.includes(args.path));
      return lazy ? { path: args.path, namespace: 'lazy-builtin' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      loader: 'js',
      contents: `let loaded;
const load = () => (loaded ??= require(${JSON.stringify(args.path)}));
module.exports = new Proxy({}, {
  get: (_, key) => load()[key],
  has: (_, key) => key in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => ({ ...Reflect.getOwnPropertyDescriptor(load(), key), configurable: true }),
});`,
    }));
  },
};

/** readable-stream as it is with READABLE_STREAM=disable (its lib/ours/index.js): Node's streams. */
const READABLE_STREAM_AS_NODE = `const Stream = require('node:stream');
for (const name of ['_uint8ArrayToBuffer', '_isUint8Array', 'isDisturbed', 'isErrored', 'isReadable', 'Readable', 'Writable', 'Duplex', 'Transform', 'PassThrough', 'addAbortSignal', 'finished', 'destroy', 'pipeline', 'compose', 'Stream']) module.exports[name] = Stream[name];
module.exports.default = module.exports;`;
const nodeStreams = {
  name: 'readable-stream-as-node-streams',
  setup(b) {
    b.onResolve({ filter: /^readable-stream$/ }, () => ({ path: 'readable-stream', namespace: 'node-streams' }));
    b.onLoad({ filter: /.*/, namespace: 'node-streams' }, () => ({ contents: READABLE_STREAM_AS_NODE, loader: 'js' }));
  },
};

/** zod's `locales` namespace with English only (zod's own modules import en.js directly). */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[/\\]node_modules[/\\]zod[/\\]/.test(args.importer) ? { path: args.importer, namespace: 'zod-english-only' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(resolve(args.path, '..', '..', 'locales', 'en.js'))};`,
      resolveDir: process.cwd(),
    }));
  },
};
/**
 * Each command is a bundle of its own, dist/src/cli/<command>.js, which dist/src/cli.js requires
 * when the command runs (src/cli.ts imports them by these paths): the gateway process never loads
 * the pilot's or export's code, nor they the gateway's.
 */
const COMMAND = /^\.\/cli\/[\w-]+\.js$/;
const CLI = resolve('src/cli.ts');
const commandsApart = {
  name: 'commands-apart',
  setup(b) {
    b.onResolve({ filter: COMMAND }, (args) => (args.importer === CLI && args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined));
  },
};
const commands = [...readFileSync(CLI, 'utf8').matchAll(/import\('(\.\/cli\/[\w-]+)\.js'\)/g)].map((m) => `src/${m[1].slice(2)}.ts`);

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli.ts', ...commands],
  outbase: 'src',
  outdir: 'dist/src',
  bundle: true,
  // CommonJS, not ES modules: Node's ES module loader alone holds about 3 MB of resident memory
  // in every process, and a bundle needs nothing from it. import() becomes require() (code that
  // is imported when used stays unevaluated until then), import.meta.url the bundle's own URL.
  format: 'cjs',
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__travelgateModuleUrl' },
  banner: { js: "const __travelgateModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  platform: 'node',
  target: 'node20.19',
  external: [...NATIVE, ...ON_DEMAND],
  plugins: [commandsApart, lazyBuiltins, zodEnglishOnly, nodeStreams],
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  logLevel: 'warning',
});
// The repository's package.json says "type": "module"; the bundle is CommonJS.
writeFileSync('dist/package.json', `${JSON.stringify({ type: 'commonjs', private: true }, null, 2)}\n`);

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
