/**
 * The import boundaries of the instrument kit (README, "How it fits together"):
 *   1. drivers/ and simulators/ reach src/ only through src/kit.ts;
 *   2. src/kit.ts, the seam below them, imports nothing from drivers/ or simulators/;
 *   3. production code in drivers/ never imports simulators/ (a folder's own tests may);
 *   4. src/core/ imports nothing above it, except the arrows listed in KNOWN_UPWARD (each one a
 *      debt to pay, never a place to add to).
 * Imports are read from the source text (static `import`/`export … from` and `import()`), so a
 * type-only import counts as much as any other.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = normalize(join(dirname(new URL(import.meta.url).pathname), '../..'));

/** Upward imports src/core/ has today: debts, never a place to add to (the link seam). */
const KNOWN_UPWARD = new Set(['src/core/driver.ts -> src/links/types.ts']);

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

/** The repository-relative .ts paths a file imports (packages and node: modules left out). */
export function importsOf(file: string, text = readFileSync(join(ROOT, file), 'utf8')): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (!spec.startsWith('.')) continue;
    out.push(relative(ROOT, join(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts'));
  }
  return out;
}

const isTest = (file: string) => file.endsWith('.test.ts') || /\/test\//.test(file);

describe('import boundaries', () => {
  it('reads static, re-export, type-only and dynamic imports', () => {
    const text = "import type { A } from '../../src/core/x.js';\nexport { b } from './b.js';\nconst c = await import('../c.js');\nimport 'zod';\n";
    expect(importsOf('drivers/x/index.ts', text)).toEqual(['src/core/x.ts', 'drivers/x/b.ts', 'drivers/c.ts']);
  });

  it('drivers/ and simulators/ import src/ only through src/kit.ts', () => {
    const offending = [...sources('drivers'), ...sources('simulators')].flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('src/') && target !== 'src/kit.ts')
        .map((target) => `${file} -> ${target}`),
    );
    expect(offending, 'import it through src/kit.ts (add the export there if it is missing)').toEqual([]);
  });

  it('src/kit.ts imports nothing from drivers/ or simulators/', () => {
    expect(importsOf('src/kit.ts').filter((t) => !t.startsWith('src/'))).toEqual([]);
  });

  it('drivers/ (outside their tests) never import simulators/', () => {
    const offending = sources('drivers')
      .filter((file) => !isTest(file))
      .flatMap((file) => importsOf(file).filter((t) => t.startsWith('simulators/')).map((t) => `${file} -> ${t}`));
    expect(offending).toEqual([]);
  });

  it('src/core/ imports nothing above it beyond the known arrows', () => {
    const upward = sources('src/core').flatMap((file) =>
      importsOf(file)
        .filter((t) => !t.startsWith('src/core/'))
        .map((t) => `${file} -> ${t}`),
    );
    expect(upward.filter((arrow) => !KNOWN_UPWARD.has(arrow))).toEqual([]);
  });
});
