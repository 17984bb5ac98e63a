// Spec helpers of the record feature only (nothing in the app's code imports this file).
import type { Bundle, Resource } from '@web-shared/fhir';
import type { PracticeRecord } from './record-model';

/** UTF-8 text as FHIR's base64 `data`, the way the server stores a note's text. */
export function base64Utf8(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

/** A searchset of these resources. */
export function bundle<T extends Resource>(...resources: T[]): Bundle<T> {
  return { resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) };
}

/** A practice's record with every section empty, to change what a spec is about. */
export function emptyRecord(changes: Partial<PracticeRecord> = {}): PracticeRecord {
  return {
    practiceId: 'org-1',
    practiceName: 'Harbourside Family Practice',
    patientIds: ['p1'],
    patientName: 'Olivia Smith',
    severalPeople: false,
    notes: { items: [] },
    results: { items: [] },
    medications: { items: [] },
    allergies: { items: [] },
    immunizations: { items: [] },
    documents: { items: [] },
    ...changes,
  };
}
