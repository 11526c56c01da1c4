// Every package the code imports is declared in package.json (nothing works only through npm's
// hoisting of someone else's dependency), and every declared package is used: runtime code
// (src/) only from `dependencies`, tests, benchmarks and scripts from either list.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
// Tools run by npm scripts and configuration rather than imported.
// @types/sanitize-html: the types of a runtime dependency (src/xmpp/shared/sanitize.ts), never imported by name.
// @types/web-push: the types of web-push (src/push/push.ts), likewise.
const TOOLS = new Set(['@types/node', '@types/sanitize-html', '@types/web-push', 'eslint', 'prettier', 'typescript']);

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|js)$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Package names a file imports: static and dynamic imports, export-from, require() and createRequire()(…). */
export function importedPackages(text: string): string[] {
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...text.matchAll(/\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...text.matchAll(/createRequire\([^)]*\)\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s.split('/')[0]!))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

const runtime = new Map<string, string[]>();
const tooling = new Map<string, string[]>();
const note = (map: Map<string, string[]>, file: string) => {
  for (const p of importedPackages(readFileSync(file, 'utf8'))) map.set(p, [...(map.get(p) ?? []), path.relative(root, file)]);
};
for (const f of sources('src')) note(runtime, f);
// This file's own samples of import syntax are not imports.
const self = fileURLToPath(import.meta.url)
  .replace(/[\\/]dist[\\/]/, '/')
  .replace(/\.js$/, '.ts');
for (const dir of ['test', 'bench', 'scripts']) for (const f of sources(dir)) if (f !== self) note(tooling, f);
note(tooling, path.join(root, 'eslint.config.js'));

t.test('the scanner sees every kind of import', async (t) => {
  t.same(
    [
      ...importedPackages(
        [
          "import a from 'x';",
          'import {',
          '  b,',
          '} from "@s/y/z";',
          "export * from 'w';",
          "await import('v');",
          "require('u');",
          "createRequire(import.meta.url)('@t/s');",
          "import('./local.js');",
          "import 'node:fs';",
          "import 'fs';",
          "// comes from 'elsewhere' in a comment",
          "jidAttr('from')",
        ].join('\n'),
      ),
    ].sort(),
    ['x', '@s/y', 'w', 'v', 'u', '@t/s'].sort(),
  );
});

t.test('src/ imports only declared runtime dependencies', async (t) => {
  for (const [name, files] of runtime) t.ok(name in pkg.dependencies, `${name} (imported by ${files[0]}) is in dependencies`);
});

t.test('tests, benchmarks and scripts import only declared packages', async (t) => {
  for (const [name, files] of tooling) {
    t.ok(name in pkg.dependencies || name in pkg.devDependencies, `${name} (imported by ${files[0]}) is declared`);
  }
});

t.test('every declared package is used', async (t) => {
  for (const name of Object.keys(pkg.dependencies)) t.ok(runtime.has(name), `dependency ${name} is imported by src/`);
  for (const name of Object.keys(pkg.devDependencies)) {
    t.ok(TOOLS.has(name) || tooling.has(name) || runtime.has(name), `devDependency ${name} is used`);
  }
});
