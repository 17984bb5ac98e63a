import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

/**
 * The layering the code keeps (docs/architecture.md): FHIR semantics never depend on the HTTP layer
 * nor on who is asking, only `fhir/rest/` writes HTTP responses, the access rules (`access/`) are
 * free of HTTP, storage knows nothing of who is asking, commands do not assemble the HTTP server, the
 * two engines are independent, and the browser apps never reach into the server. A rule is a pair
 * of paths: no production file under `from` may import a file under `to` (a folder or one file;
 * relative imports, type-only ones included; tests and test set-ups may cross layers on purpose).
 * A package rule names a package instead of a path.
 */
const ROOT = resolve(import.meta.dirname, '..');

interface Rule {
  from: string;
  to: string;
  except?: string;
  why: string;
}
export const RULES: Rule[] = [
  {
    from: 'server/fhir',
    except: 'server/fhir/rest',
    to: 'server/fhir/rest',
    why: 'FHIR semantics (operations, bundles, search, validation) do not depend on HTTP',
  },
  {
    from: 'server/fhir',
    to: 'server/auth',
    why: 'FHIR semantics do not know how callers sign in (the router is handed its access resolver)',
  },
  {
    from: 'server/fhir',
    to: 'server/access',
    why: 'FHIR semantics do not know who asks: the compartment rows are search indexing (fhir/search/compartment-index.ts)',
  },
  {
    from: 'server/auth',
    to: 'server/fhir/rest',
    why: 'auth throws the one error type; only fhir/rest writes FHIR responses',
  },
  {
    from: 'server/access',
    to: 'server/fhir/rest',
    why: 'access rules throw the one error type; only fhir/rest writes FHIR responses',
  },
  { from: 'server/storage', to: 'server/auth', why: 'storage applies an AccessScope; it does not know who asks' },
  { from: 'server/storage', to: 'server/access', why: 'storage applies an AccessScope; it does not know who asks' },
  {
    from: 'server/cli',
    to: 'server/app.ts',
    why: 'a command opens what it needs (storage, definitions), never the whole HTTP server',
  },
  { from: 'server/storage', to: 'server/fhir/rest', why: 'storage is below HTTP' },
  { from: 'server/storage/sqlite', to: 'server/storage/mongo', why: 'the engines are independent' },
  { from: 'server/storage/mongo', to: 'server/storage/sqlite', why: 'the engines are independent' },
  { from: 'practitioner-app', to: 'server', why: 'the apps talk to the server over HTTP only' },
  { from: 'portal-app', to: 'server', why: 'the apps talk to the server over HTTP only' },
  { from: 'web-shared', to: 'server', why: 'the apps talk to the server over HTTP only' },
];

interface PackageRule {
  from: string;
  except?: string;
  package: string;
  why: string;
}
export const PACKAGE_RULES: PackageRule[] = [
  {
    from: 'server/access',
    package: 'express',
    why: 'access rules are HTTP-free (request-access.ts reads res.locals by shape)',
  },
  { from: 'server/fhir', except: 'server/fhir/rest', package: 'express', why: 'FHIR semantics do not depend on HTTP' },
  { from: 'server/storage', package: 'express', why: 'storage is below HTTP' },
];

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

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

const PACKAGE_IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"./][^'"]*)['"]|import\(\s*['"]([^'"./][^'"]*)['"]\s*\)/g;

/** The packages a file imports (`express/lib/x` counts as `express`, `@scope/name/x` as `@scope/name`). */
export function packagesOf(file: string, text = readFileSync(join(ROOT, file), 'utf8')): string[] {
  return [...text.matchAll(PACKAGE_IMPORT)].map((m) => {
    const parts = (m[1] ?? (m[2] as string)).split('/');
    return parts[0]!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  });
}

const under = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

/** Tests and their set-ups may cross layers on purpose (an engine agreement test runs both engines). */
const isTestCode = (file: string) => /(\.test|\.spec)\.ts$/.test(file);

const inScope = (rule: { from: string; except?: string }, f: string) =>
  !isTestCode(f) && under(f, rule.from) && !(rule.except && under(f, rule.except));

export function violations(rule: Rule, files: string[], read: (file: string) => string[] = importsOf): string[] {
  return files
    .filter((f) => inScope(rule, f))
    .flatMap((f) =>
      read(f)
        .filter((target) => under(target, rule.to))
        .map((target) => `${f} imports ${target}`),
    );
}

export function packageViolations(
  rule: PackageRule,
  files: string[],
  read: (file: string) => string[] = packagesOf,
): string[] {
  return files
    .filter((f) => inScope(rule, f))
    .flatMap((f) =>
      read(f)
        .filter((name) => name === rule.package)
        .map((name) => `${f} imports ${name}`),
    );
}

describe('import rules between layers', () => {
  const files = [
    ...sourceFiles('server'),
    ...sourceFiles('practitioner-app'),
    ...sourceFiles('portal-app'),
    ...sourceFiles('web-shared'),
  ];

  it('finds the imports it checks (the scanner is not blind)', () => {
    assert.ok(files.length > 200, `${files.length} files`);
    assert.deepEqual(
      importsOf(
        'server/x/a.ts',
        "import { a } from '../b/c.ts';\nimport type { T } from './d.ts';\nexport { e } from '../../web-shared/f';\nconst g = await import('./h.ts');",
      ),
      ['server/b/c.ts', 'server/x/d.ts', 'web-shared/f', 'server/x/h.ts'],
    );
    const authRule = RULES.find((r) => r.from === 'server/auth' && r.to === 'server/fhir/rest')!;
    assert.deepEqual(
      violations(authRule, ['server/auth/z.ts'], () => ['server/fhir/rest/http.ts']),
      ['server/auth/z.ts imports server/fhir/rest/http.ts'],
    );
    const cliRule = RULES.find((r) => r.to === 'server/app.ts')!;
    assert.deepEqual(
      violations(cliRule, ['server/cli/x.ts', 'server/cli/x.test.ts'], () => ['server/app.ts', 'server/app-other.ts']),
      ['server/cli/x.ts imports server/app.ts'],
    );
    assert.deepEqual(
      packagesOf(
        'server/x/a.ts',
        "import type { Request } from 'express';\nimport cors from 'cors';\nimport { a } from './a.ts';\nimport { b } from 'node:fs';\nimport type { R } from '@medplum/fhirtypes/dist/x';",
      ),
      ['express', 'cors', 'node:fs', '@medplum/fhirtypes'],
    );
    assert.deepEqual(
      packageViolations(PACKAGE_RULES[0]!, ['server/access/z.ts', 'server/auth/y.ts'], () => ['express']),
      ['server/access/z.ts imports express'],
    );
  });

  for (const rule of RULES) {
    it(`nothing in ${rule.from}${rule.except ? ` (outside ${rule.except})` : ''} imports ${rule.to}: ${rule.why}`, () => {
      assert.deepEqual(violations(rule, files), []);
    });
  }

  for (const rule of PACKAGE_RULES) {
    it(`nothing in ${rule.from}${rule.except ? ` (outside ${rule.except})` : ''} imports the package ${rule.package}: ${rule.why}`, () => {
      assert.deepEqual(packageViolations(rule, files), []);
    });
  }
});

/** A module a newcomer reads in one sitting (issue #10); suites (tests, the engines' contracts) may run longer. */
const MAX_LINES = 400;
const isSuite = (file: string) => isTestCode(file) || file.endsWith('-contract.ts');

describe('module size', () => {
  it(`no production module is over ${MAX_LINES} lines`, () => {
    const files = ['server', 'practitioner-app', 'portal-app', 'web-shared']
      .flatMap(sourceFiles)
      .filter((f) => !isSuite(f));
    assert.ok(files.length > 200, `${files.length} files`);
    const long = files
      .map((f) => ({ f, lines: readFileSync(join(ROOT, f), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > MAX_LINES + 1)
      .map(({ f, lines }) => `${f}: ${lines - 1} lines`);
    assert.deepEqual(long, []);
  });
});
