import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { Resource } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from '../../server/fhir/load-fhir-definitions.ts';
import { indexWithAccess, OWNER_SYSTEM } from '../../server/access/access-index.ts';
import type { IndexRow } from '../../server/fhir/search/index-rows.ts';
import { loadProfiles, ResourceValidator } from '../../server/fhir/validation/validator.ts';
import { clonePatient, loadCloneSource, withLocalReferences } from './synthea-clones.ts';

/**
 * Worker thread of the direct loader (direct-load.ts): builds the clones of a range of patients as
 * the repository would store them (meta.versionId 1, meta.lastUpdated now) and computes their
 * search index rows with the server's extractor (with the access rows: owner tag, compartments), so that the main thread only has to write rows.
 * Every resource of every VALIDATE_EVERY-th patient is validated with the server's validator
 * (validation is a third of the work; all clones come from the same 7 records by the same code,
 * and the patients loaded through the API are all validated by the server).
 */
export const VALIDATE_EVERY = 10;
export interface CloneJob {
  from: number;
  to: number;
}
export interface ClonedPatient {
  id: string;
  family: string;
}
export interface StoredItem {
  type: string;
  id: string;
  lastUpdated: string;
  content: string;
  rows: IndexRow[];
}
export interface CloneResult {
  from: number;
  to: number;
  patients: ClonedPatient[];
  items: StoredItem[];
  error?: string;
}

/** `practiceId`: the practice whose backend client the bench acts as; it owns every clone (as a write of that client would). */
const { today, baseUrl, practiceId } = workerData as { today: string; baseUrl: string; practiceId: string };
const ownerTag = { system: OWNER_SYSTEM, code: practiceId };
loadFhirDefinitions(); // as the server: R4 definitions plus our own search parameters
const validator = new ResourceValidator(loadProfiles(join(import.meta.dirname, '..', '..', 'fhir-profiles')));
const source = loadCloneSource();

parentPort?.on('message', ({ from, to }: CloneJob) => {
  const result: CloneResult = { from, to, patients: [], items: [] };
  try {
    for (let i = from; i < to; i++) {
      const clone = clonePatient(source, i, today);
      result.patients.push({ id: clone.patientId, family: clone.family });
      for (const { resourceType, id, meta, ...rest } of withLocalReferences(clone)) {
        const lastUpdated = new Date().toISOString();
        // The shape VersionedRepository#saveVersion gives a first version written by the practice's client.
        const tag = [...(meta?.tag ?? []).filter((t) => t.system !== OWNER_SYSTEM), ownerTag];
        const saved = { resourceType, id, meta: { ...meta, tag, versionId: '1', lastUpdated }, ...rest } as Resource;
        if (i % VALIDATE_EVERY === 0) validator.validate(saved);
        result.items.push({
          type: resourceType,
          id: id as string,
          lastUpdated,
          content: JSON.stringify(saved),
          rows: indexWithAccess(saved, baseUrl),
        });
      }
    }
  } catch (err) {
    const detail = (err as { outcome?: unknown }).outcome ?? (err as Error).message;
    result.error = `patients ${from}..${to}: ${JSON.stringify(detail).slice(0, 1000)}`;
  }
  parentPort?.postMessage(result);
});
