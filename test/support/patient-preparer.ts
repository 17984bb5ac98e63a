import type { Patient } from '@medplum/fhirtypes';
import { normalizeString } from '../../server/fhir/search/normalize.ts';
import { AppendRefusedError } from '../../server/storage/appender.ts';
import type { AppendEntry } from '../../server/storage/appender.ts';

/*
 * A preparer (server/storage/appender.ts#appendPrepared) for the storage contract: one Patient of
 * family `family` per id, indexed by family only (all the contract searches). It refuses the family
 * `refused`, as a preparer refuses content it will not store. Light on purpose: the SQLite append
 * thread imports it.
 */

export interface PatientsMessage {
  ids: string[];
  family: string;
  lastUpdated: string;
}

export const PATIENT_PREPARER = import.meta.url;

export function prepare({ ids, family, lastUpdated }: PatientsMessage): AppendEntry[] {
  if (family === 'refused') throw new AppendRefusedError('the family "refused" is refused');
  return ids.map((id) => {
    const resource: Patient = {
      resourceType: 'Patient',
      id,
      meta: { versionId: '1', lastUpdated },
      name: [{ family }],
    };
    return {
      version: { resourceType: 'Patient', id, versionId: '1', lastUpdated, deleted: false, resource },
      index: [{ kind: 'string', param: 'family', value: normalizeString(family), exact: family }],
    };
  });
}
