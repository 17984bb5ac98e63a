import { inject, Injectable } from '@angular/core';
import {
  type AllergyIntolerance,
  type DocumentReference,
  errorMessages,
  FhirClient,
  type Immunization,
  type MedicationRequest,
  type MedicationStatement,
  type Observation,
  type Organization,
  type Patient,
  type Resource,
  resourcesOf,
} from '@web-shared/fhir';
import { catchError, EMPTY, expand, forkJoin, map, type Observable, of, reduce, switchMap } from 'rxjs';
import {
  groupPatients,
  isNote,
  newestFirst,
  type PatientGroup,
  type PracticeRecord,
  type SectionState,
  toAllergy,
  toDocument,
  toImmunization,
  toMedication,
  toNote,
  toResult,
} from './record-model';

/** Large enough that one page is the usual answer; further pages are followed (see searchAll). */
export const RECORD_PAGE_SIZE = 100;
/** Shown when a practice's name cannot be read (or a record carries no owner tag). */
export const UNNAMED_PRACTICE = 'Your practice';

/**
 * Loads what the signed-in patient may see of their clinical record, per practice. The server decides
 * what is visible (shared items, what they submitted, the practice's defaults: decision 0023); the app
 * only asks, for each of the patient's Patient records, one search per resource type. A failed section
 * does not hide the others: it carries its own error messages.
 */
@Injectable({ providedIn: 'root' })
export class HealthRecordService {
  private readonly fhir = inject(FhirClient);

  load(): Observable<PracticeRecord[]> {
    return this.searchAll<Patient>('Patient', {}).pipe(
      map((patients) => groupPatients(patients)),
      switchMap((groups) => (groups.length === 0 ? of([]) : forkJoin(groups.map((g) => this.practiceRecord(g))))),
    );
  }

  private practiceRecord(group: PatientGroup): Observable<PracticeRecord> {
    return forkJoin({
      practiceName: this.practiceName(group.practiceId),
      // Notes and other documents are both DocumentReferences: one search, split by category below.
      documents: this.section('DocumentReference', group, (d: DocumentReference) => d),
      results: this.section('Observation', group, (o: Observation) => toResult(o)),
      requests: this.section('MedicationRequest', group, (m: MedicationRequest) => toMedication(m)),
      statements: this.section('MedicationStatement', group, (m: MedicationStatement) => toMedication(m)),
      allergies: this.section('AllergyIntolerance', group, (a: AllergyIntolerance) => toAllergy(a)),
      immunizations: this.section('Immunization', group, (i: Immunization) => toImmunization(i)),
    }).pipe(
      map((s) => ({
        practiceId: group.practiceId,
        practiceName: s.practiceName,
        patientIds: group.patientIds,
        patientName: group.patientName,
        severalPeople: group.severalPeople,
        notes: mapSection(s.documents, (all) => newestFirst(all.filter(isNote).map(toNote))),
        documents: mapSection(s.documents, (all) => newestFirst(all.filter((d) => !isNote(d)).map(toDocument))),
        results: mapSection(s.results, newestFirst),
        // Prescriptions and what the patient reported taking are one list for them.
        medications: s.requests.errors
          ? s.requests
          : s.statements.errors
            ? s.statements
            : { items: [...s.requests.items, ...s.statements.items] },
        allergies: s.allergies,
        immunizations: mapSection(s.immunizations, newestFirst),
      })),
    );
  }

  /** The practice's name; a practice that cannot be read is still shown, as "Your practice". */
  private practiceName(practiceId: string): Observable<string> {
    if (!practiceId) return of(UNNAMED_PRACTICE);
    return this.fhir.read<Organization>('Organization', practiceId).pipe(
      map((o) => o.name?.trim() || UNNAMED_PRACTICE),
      catchError(() => of(UNNAMED_PRACTICE)),
    );
  }

  /** One type for each of the group's Patient records, mapped; a failure becomes the section's errors. */
  private section<T extends Resource, I>(
    type: T['resourceType'],
    group: PatientGroup,
    toItem: (resource: T) => I,
  ): Observable<SectionState<I>> {
    return forkJoin(group.patientIds.map((id) => this.searchAll<T>(type, { patient: `Patient/${id}` }))).pipe(
      map((lists): SectionState<I> => ({ items: lists.flat().map(toItem) })),
      catchError((error: unknown) => of<SectionState<I>>({ errors: errorMessages(error) })),
    );
  }

  /** A search and every further page the server links ("next"), as one list. */
  private searchAll<T extends Resource>(type: T['resourceType'], params: Record<string, string>): Observable<T[]> {
    return this.fhir.search<T>(type, { ...params, _count: RECORD_PAGE_SIZE }).pipe(
      expand((bundle) => {
        const next = bundle.link?.find((l) => l.relation === 'next')?.url;
        return next ? this.fhir.page<T>(next) : EMPTY;
      }),
      reduce((all, bundle) => [...all, ...resourcesOf(bundle, type)], [] as T[]),
    );
  }
}

function mapSection<T, I>(state: SectionState<T>, change: (items: T[]) => I[]): SectionState<I> {
  return state.errors ? state : { items: change(state.items) };
}
