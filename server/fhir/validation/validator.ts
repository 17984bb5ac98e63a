import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { CodeSystem, OperationOutcomeIssue, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { getResourceTypes } from '../definitions.ts';
import { invalidResource } from '../outcomes.ts';
import { bindingIssues, prepareBindings } from './bindings.ts';
import { ExtensionRules } from './extensions.ts';
import { withSnapshot } from './snapshot.ts';
import { structureIssues } from './structure.ts';
import { addTerminology } from './value-set-codes.ts';

/**
 * Validates resources against the R4 StructureDefinitions (loaded once by definitions.ts) and
 * against every profile in `meta.profile` that fhir-profiles/ defines. Profiles we do not know
 * are claims made by other systems: they are accepted, as most servers do, and not enforced.
 * The required bindings of R4 are checked against the value sets that ship with the definitions
 * (bindings.ts; @medplum/core checks no codes). Our extensions (the Extension definitions among the
 * profiles) are checked wherever they appear, named by a profile or not (extensions.ts).
 */
export class ResourceValidator {
  readonly #profiles: Map<string, StructureDefinition>;
  readonly #extensions: ExtensionRules;

  constructor(profiles: Map<string, StructureDefinition>) {
    this.#profiles = profiles;
    // The binding tables are built at start-up rather than on the first write (once per process).
    if (getResourceTypes().length) prepareBindings();
    this.#extensions = new ExtensionRules(profiles.values());
  }

  get profileUrls(): string[] {
    return [...this.#profiles.keys()];
  }

  /** Throws a FhirError (400) whose issues carry the FHIRPath of every problem. */
  validate(resource: Resource): void {
    const issues = this.issues(resource).filter((i) => i.severity === 'error' || i.severity === 'fatal');
    if (issues.length) throw invalidResource(issues);
  }

  /**
   * All issues (errors and warnings), for $validate. The JSON shape is checked first (structure.ts):
   * a resource of the wrong shape gets only those issues, and the values are checked (here, and by
   * everything after validation) only once the shape is known to be right.
   */
  issues(resource: Resource): OperationOutcomeIssue[] {
    const shape = structureIssues(resource);
    if (shape.length) return shape;
    const issues: OperationOutcomeIssue[] = [];
    const run = (profile?: StructureDefinition): void => {
      try {
        issues.push(...validateResource(resource, profile ? { profile } : undefined));
      } catch (err) {
        if (err instanceof OperationOutcomeError) issues.push(...(err.outcome.issue ?? []));
        else throw err;
      }
    };
    run();
    issues.push(...bindingIssues(resource as unknown as Record<string, unknown>));
    issues.push(...this.#extensions.issues(resource as unknown as Record<string, unknown>));
    for (const url of resource.meta?.profile ?? []) {
      const profile = this.#profiles.get(url);
      if (profile) run(profile);
    }
    return issues;
  }
}

/**
 * Reads every StructureDefinition under `dir`, recursively (differentials get a derived snapshot).
 * The ValueSets and CodeSystems found there are added to the value sets bindings are checked against
 * (value-set-codes.ts) first: the bindings of our extension definitions name them.
 */
export function loadProfiles(dir: string): Map<string, StructureDefinition> {
  const resources = jsonFiles(dir).map((file) => ({ file, json: JSON.parse(readFileSync(file, 'utf8')) as Resource }));
  addTerminology(
    resources.flatMap(({ json }) =>
      json.resourceType === 'ValueSet' || json.resourceType === 'CodeSystem' ? [json as ValueSet | CodeSystem] : [],
    ),
  );
  const profiles = new Map<string, StructureDefinition>();
  for (const { file, json } of resources) {
    if (json.resourceType === 'StructureDefinition' && json.url) {
      profiles.set(json.url, withSnapshot(json, file));
    }
  }
  return profiles;
}

function jsonFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsonFiles(path);
    return name.endsWith('.json') ? [path] : [];
  });
}
