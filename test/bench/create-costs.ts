import { join } from 'node:path';
import { indexWithAccess } from '../../server/access/access-index.ts';
import { loadFhirDefinitions } from '../../server/fhir/load-fhir-definitions.ts';
import { parseJsonBody } from '../../server/fhir/input/json-guard.ts';
import { shapedResource } from '../../server/fhir/input/resource-input.ts';
import { bindingIssues } from '../../server/fhir/validation/bindings.ts';
import { ExtensionRules } from '../../server/fhir/validation/extensions.ts';
import { structureIssues } from '../../server/fhir/validation/structure.ts';
import { validateResource } from '@medplum/core';
import { loadProfiles, ResourceValidator } from '../../server/fhir/validation/validator.ts';
import { syntheticPatient } from './synthetic-patients.ts';

/**
 * The CPU cost of each step of a create that needs no store, in µs per synthetic Patient (the
 * bench's create body), measured in-process to tell them apart from the machine's noise. Not a test.
 * Usage: node test/bench/create-costs.ts [iterations, default 3000]
 */
const N = Number(process.argv[2] ?? 3000);
loadFhirDefinitions();
const profiles = loadProfiles(join(import.meta.dirname, '..', '..', 'fhir-profiles'));
const validator = new ResourceValidator(profiles);
const extensions = new ExtensionRules(profiles.values());
const bodies = Array.from({ length: N }, (_, i) => JSON.stringify(syntheticPatient(10_000_000 + i)));
const resources = bodies.map((b) => ({
  ...(JSON.parse(b) as object),
  id: 'x',
  meta: { versionId: '1', lastUpdated: '2026-12-03T12:00:00.000Z' },
}));

function time(name: string, step: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(N, 300); i++) step(i); // warm up
  const start = performance.now();
  for (let i = 0; i < N; i++) step(i);
  console.log(`${name.padEnd(44)} ${((1000 * (performance.now() - start)) / N).toFixed(1).padStart(7)} µs`);
}
time('JSON.parse of the body', (i) => JSON.parse(bodies[i]!));
time('parseJsonBody (depth scan, parse, key check)', (i) => parseJsonBody(bodies[i]!, 64));
time('structureIssues (the shape check)', (i) => structureIssues(resources[i] as never));
time('shapedResource', (i) => shapedResource(resources[i] as never, 'Patient'));
time('@medplum/core validateResource', (i) => validateResource(resources[i] as never));
time('bindingIssues (required bindings)', (i) => bindingIssues(resources[i] as never));
time('ExtensionRules.issues (our extensions)', (i) => extensions.issues(resources[i] as never));
time('ResourceValidator.validate (shape + medplum + bindings + ours)', (i) =>
  validator.validate(resources[i] as never),
);
time('indexWithAccess (search index rows)', (i) => indexWithAccess(resources[i] as never, 'http://x/fhir/R4'));
time('JSON.stringify of the stored resource', (i) => JSON.stringify(resources[i]));
