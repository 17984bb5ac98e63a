import { HttpClient, HttpHeaders } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { type Observable, map } from 'rxjs';
import {
  type DocumentReference,
  FHIR_BASE,
  FhirClient,
  type Observation,
  type Organization,
  type Page,
  pageOf,
  type Patient,
  type Practitioner,
  type Provenance,
  resourcesOf,
} from '@web-shared/fhir';
import { type Audience, NOTE_CATEGORY_CODE, NOTE_CATEGORY_SYSTEM, type ShareableItem } from './chart-types';
import { encodeText } from './chart-model';

const FHIR_JSON = 'application/fhir+json';

/** A chart section's page size: the server's first page, newest first; "Show more" follows `next`. */
export const CHART_PAGE_SIZE = 50;

/**
 * The patient chart's requests. Reads and writes go through FhirClient; `$share`/`$unshare` are
 * operations FhirClient does not know, posted here with the same FHIR JSON headers.
 */
@Injectable({ providedIn: 'root' })
export class ChartApi {
  private readonly fhir = inject(FhirClient);
  private readonly http = inject(HttpClient);

  patient(id: string): Observable<Patient> {
    return this.fhir.read<Patient>('Patient', id);
  }

  practice(id: string): Observable<Organization> {
    return this.fhir.read<Organization>('Organization', id);
  }

  notes(patientId: string): Observable<Page<DocumentReference>> {
    return this.fhir
      .search<DocumentReference>('DocumentReference', {
        subject: `Patient/${patientId}`,
        category: `${NOTE_CATEGORY_SYSTEM}|${NOTE_CATEGORY_CODE}`,
        _sort: '-date',
        _count: CHART_PAGE_SIZE,
      })
      .pipe(map((bundle) => pageOf(bundle, 'DocumentReference')));
  }

  results(patientId: string): Observable<Page<Observation>> {
    return this.fhir
      .search<Observation>('Observation', { subject: `Patient/${patientId}`, _sort: '-date', _count: CHART_PAGE_SIZE })
      .pipe(map((bundle) => pageOf(bundle, 'Observation')));
  }

  /** The sharing records of these items (`DocumentReference/1`, …), newest first. */
  provenance(targets: string[]): Observable<Provenance[]> {
    return this.fhir
      .search<Provenance>('Provenance', { target: targets.join(','), _count: 200 })
      .pipe(
        map((bundle) =>
          resourcesOf(bundle, 'Provenance').sort((a, b) => (b.recorded ?? '').localeCompare(a.recorded ?? '')),
        ),
      );
  }

  /** Practitioners by id (`Practitioner?_id=a,b`), to name who changed a sharing mark. */
  practitioners(ids: string[]): Observable<Practitioner[]> {
    return this.fhir
      .search<Practitioner>('Practitioner', { _id: ids.join(','), _count: ids.length })
      .pipe(map((bundle) => resourcesOf(bundle, 'Practitioner')));
  }

  /** A new draft note by `author` (the signed-in practitioner's fhirUser) about the patient. */
  createNote(patientId: string, author: { reference: string; display?: string }, text: string, now = new Date()) {
    const note: DocumentReference = {
      resourceType: 'DocumentReference',
      status: 'current',
      docStatus: 'preliminary',
      category: [{ coding: [{ system: NOTE_CATEGORY_SYSTEM, code: NOTE_CATEGORY_CODE, display: 'Clinical Note' }] }],
      subject: { reference: `Patient/${patientId}` },
      date: now.toISOString(),
      author: [author],
      content: [{ attachment: { contentType: 'text/plain', data: encodeText(text) } }],
    };
    return this.fhir.create(note);
  }

  /** PUT with If-Match on the version read: a change made elsewhere meanwhile answers 412. */
  updateNote(note: DocumentReference & { id: string }): Observable<DocumentReference> {
    return this.fhir.update(note);
  }

  /** `$share` or `$unshare` for one audience; the answer is the item with its new marks. */
  setShared<T extends ShareableItem>(item: T, audience: Audience, shared: boolean): Observable<T> {
    const operation = shared ? '$share' : '$unshare';
    const url = `${FHIR_BASE}/${item.resourceType}/${encodeURIComponent(item.id ?? '')}/${operation}`;
    const body = { resourceType: 'Parameters', parameter: [{ name: 'audience', valueCode: audience }] };
    return this.http.post<T>(url, body, {
      headers: new HttpHeaders({ Accept: FHIR_JSON, 'Content-Type': FHIR_JSON }),
    });
  }
}
