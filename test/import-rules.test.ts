import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

/**
 * The layering the code keeps (docs/architecture.md): FHIR semantics never depend on the HTTP layer,
 * only `fhir/rest/` writes HTTP responses, storage knows nothing of who is asking, the two engines
 * are independent, and the browser apps never reach into the server. A rule is a pair of folders:
 * no production file under `from` may import a file under `to` (relative imports, type-only ones
 * included; tests and test set-ups may cross layers on purpose).
 */
const ROOT = resolve(import.meta.dirname, '..');

interface Rule { from: string; to: string; except?: string; why: string }
export const RULES: Rule[] = [
  { from: 'server/fhir', except: 'server/fhir/rest', to: 'server/fhir/rest', why: 'FHIR semantics (operations, bundles, search, validation) do not depend on HTTP' },
  { from: 'server/auth', to: 'server/fhir/rest', why: 'auth throws the one error type; only fhir/rest writes FHIR responses' },
  { from: 'server/storage', to: 'server/auth', why: 'storage applies an AccessScope; it does not know who asks' },
  { from: 'server/storage', to: 'server/fhir/rest', why: 'storage is below HTTP' },
  { from: 'server/storage/sqlite', to: 'server/storage/mongo', why: 'the engines are independent' },
  { from: 'server/storage/mongo', to: 'server/storage/sqlite', why: 'the engines are independent' },
  { from: 'practitioner-app', to: 'server', why: 'the apps talk to the server over HTTP only' },
  { from: 'portal-app', to: 'server', why: 'the apps talk to the server over HTTP only' },
  { from: 'web-shared', to: 'server', why: 'the apps talk to the server over HTTP only' },
];

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  const absolute = join(ROOT, dir);
  return readdirSync(absolute).flatMap((name) => {
    if (name === 'node_modules' || name === 'dist') return [];
    const path = join(absolute, name);
    if (statSync(path).isDirectory()) return sourceFiles(relative(ROOT, path));
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [relative(ROOT, path)] : [];
  });
}

/** The project-relative paths a file imports (relative specifiers only: packages are not layers). */
export function importsOf(file: string, text = readFileSync(join(ROOT, file), 'utf8')): string[] {
  return [...text.matchAll(IMPORT)].map((m) => relative(ROOT, resolve(ROOT, dirname(file), (m[1] ?? m[2]) as string)));
}

const under = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

/** Tests and their set-ups may cross layers on purpose (an engine agreement test runs both engines). */
const isTestCode = (file: string) => /(\.test|\.spec|test-support)\.ts$/.test(file);

export function violations(rule: Rule, files: string[], read: (file: string) => string[] = importsOf): string[] {
  return files
    .filter((f) => !isTestCode(f) && under(f, rule.from) && !(rule.except && under(f, rule.except)))
    .flatMap((f) => read(f).filter((target) => under(target, rule.to)).map((target) => `${f} imports ${target}`));
}

describe('import rules between layers', () => {
  const files = [...sourceFiles('server'), ...sourceFiles('practitioner-app'), ...sourceFiles('portal-app'), ...sourceFiles('web-shared')];

  it('finds the imports it checks (the scanner is not blind)', () => {
    assert.ok(files.length > 200, `${files.length} files`);
    assert.deepEqual(importsOf('server/x/a.ts', "import { a } from '../b/c.ts';\nimport type { T } from './d.ts';\nexport { e } from '../../web-shared/f';\nconst g = await import('./h.ts');"), ['server/b/c.ts', 'server/x/d.ts', 'web-shared/f', 'server/x/h.ts']);
    assert.deepEqual(violations(RULES[1]!, ['server/auth/z.ts'], () => ['server/fhir/rest/http.ts']), ['server/auth/z.ts imports server/fhir/rest/http.ts']);
  });

  for (const rule of RULES) {
    it(`nothing in ${rule.from}${rule.except ? ` (outside ${rule.except})` : ''} imports ${rule.to}: ${rule.why}`, () => {
      assert.deepEqual(violations(rule, files), []);
    });
  }
});
