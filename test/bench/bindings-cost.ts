/**
 * `node test/bench/bindings-cost.ts`: what the required-binding check costs per
 * resource, on the Synthea data in ../shared/data (not a test): the 7 transaction bundles and the
 * bulk NDJSON of 10 patients. Times, over every resource, the full validator.validate and bindingIssues alone (the added cost), best of a few
 * rounds, and lists any binding the data does not meet.
 *
 * Measured when the check was added (8,793 resources, none refused, on a shared and noisy machine):
 * bindingIssues 2–5 µs per resource, about 1 % of validate (160–780 µs); prepareBindings 150–500 ms
 * once per process, mostly reading valuesets.json and v3-codesystems.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../server/fhir/definitions.ts';
import { bindingIssues, prepareBindings } from '../../server/fhir/validation/bindings.ts';
import { ResourceValidator } from '../../server/fhir/validation/validator.ts';

const data = join(import.meta.dirname, '..', '..', '..', 'shared', 'data');
loadDefinitions();
let started = performance.now();
prepareBindings();
console.log(`prepareBindings: ${(performance.now() - started).toFixed(0)} ms (once per process)`);
const validator = new ResourceValidator(new Map());
const files = (folder: string, ext: string): string[] =>
  readdirSync(join(data, folder))
    .filter((f) => f.endsWith(ext))
    .map((f) => join(data, folder, f));
const resources: Resource[] = [
  ...files('synthea-r4-bundles', '.json').flatMap((f) =>
    ((JSON.parse(readFileSync(f, 'utf8')) as Bundle).entry ?? []).map((e) => e.resource as Resource),
  ),
  ...files('synthea-bulk-10', '.000.ndjson').flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Resource),
  ),
];
let invalid = 0;
for (const r of resources)
  if (validator.issues(r).some((i) => i.severity === 'error' || i.severity === 'fatal')) invalid++;
console.log(`${resources.length} resources (${invalid} refused by the validator)`);

for (const r of resources) {
  for (const issue of bindingIssues(r as unknown as Record<string, unknown>))
    console.log('NOT MET', issue.expression?.[0], issue.details?.text);
}
const time = (label: string, fn: (r: Resource) => unknown, rounds: number): number => {
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    started = performance.now();
    for (const r of resources) fn(r);
    best = Math.min(best, performance.now() - started);
  }
  const micros = (best * 1000) / resources.length;
  console.log(`${label}: ${micros.toFixed(2)} µs per resource (best of ${rounds})`);
  return micros;
};
const bindings = time('bindingIssues', (r) => bindingIssues(r as unknown as Record<string, unknown>), 20);
const full = time('validator.issues (with bindings)', (r) => validator.issues(r), 5);
console.log(`bindings are ${((100 * bindings) / full).toFixed(1)} % of validate`);
