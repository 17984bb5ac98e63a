import { HttpClient, HttpErrorResponse, HttpHeaders, HttpParams } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { catchError, type Observable, map, of, switchMap, throwError } from 'rxjs';
import { attachmentFor, BinaryUpload, documentKindType } from '@web-shared/documents';
import {
  type Bundle,
  type DocumentReference,
  errorMessages,
  FHIR_BASE,
  FhirClient,
  type Page,
  pageOf,
  type Patient,
  type Reference,
  resourcesOf,
} from '@web-shared/fhir';
import { CHART_PAGE_SIZE } from '../patients/chart/chart-api';
import { INBOX_SYSTEM, NOTE_CATEGORY_CODE, NOTE_CATEGORY_SYSTEM, ORIGIN_SYSTEM } from '../patients/chart/chart-types';
import { binaryPath, inlineBlob, withReviewed } from './document-model';

const FHIR_JSON = 'application/fhir+json';
export const ORIGIN_PATIENT = `${ORIGIN_SYSTEM}|patient`;
export const INBOX_REVIEWED = `${INBOX_SYSTEM}|reviewed`;

/** What a practitioner uploads to a patient's chart. */
export interface PracticeUpload {
  file: File;
  /** The type the server is told (it checks it against the bytes). */
  contentType: string;
  /** One of DOCUMENT_KINDS' labels. */
  kind: string;
  description: string;
}

/** The Binary was stored but the DocumentReference pointing at it was refused: nothing lists the file. */
export class DocumentNotFiledError extends Error {
  constructor(readonly refusal: unknown) {
    super('The file was stored, but it could not be added to the patient’s documents.');
  }
}

/** Content that cannot be fetched: no Binary reference and no inline data. */
export class NoContentError extends Error {
  constructor() {
    super('This document has no file to download.');
  }
}

/**
 * The documents' requests: the practice inbox ("new from patients", decision 0023), a patient's
 * documents, the reviewed mark, and the content (decision 0022). Searches that repeat `_tag` (two
 * tags ANDed) go through HttpClient, since FhirClient.search takes one value per parameter.
 */
@Injectable({ providedIn: 'root' })
export class DocumentApi {
  private readonly fhir = inject(FhirClient);
  private readonly http = inject(HttpClient);
  private readonly binaries = inject(BinaryUpload);
  // Same headers as FhirClient's reads: never a search result from the browser's cache.
  private readonly readHeaders = new HttpHeaders({ Accept: FHIR_JSON, 'Cache-Control': 'no-cache' });

  /** Submitted by patients and not reviewed (`reviewed` false), or reviewed (`true`); newest first. */
  inbox(reviewed: boolean): Observable<Page<DocumentReference>> {
    let params = new HttpParams().append('_tag', ORIGIN_PATIENT);
    params = reviewed ? params.append('_tag', INBOX_REVIEWED) : params.append('_tag:not', INBOX_REVIEWED);
    params = params.append('_sort', '-date').append('_count', CHART_PAGE_SIZE);
    return this.http
      .get<Bundle<DocumentReference>>(`${FHIR_BASE}/DocumentReference`, { headers: this.readHeaders, params })
      .pipe(map((bundle) => pageOf(bundle, 'DocumentReference')));
  }

  /** Patients by id in one search (`Patient?_id=a,b`), to name the inbox's subjects. */
  patients(ids: string[]): Observable<Patient[]> {
    if (ids.length === 0) return of([]);
    return this.fhir
      .search<Patient>('Patient', { _id: ids.join(','), _count: ids.length })
      .pipe(map((bundle) => resourcesOf(bundle, 'Patient')));
  }

  /** The patient's documents other than clinical notes (those are the chart's notes), newest first. */
  patientDocuments(patientId: string): Observable<Page<DocumentReference>> {
    return this.fhir
      .search<DocumentReference>('DocumentReference', {
        subject: `Patient/${patientId}`,
        'category:not': `${NOTE_CATEGORY_SYSTEM}|${NOTE_CATEGORY_CODE}`,
        _sort: '-date',
        _count: CHART_PAGE_SIZE,
      })
      .pipe(map((bundle) => pageOf(bundle, 'DocumentReference')));
  }

  /** PUT with If-Match on the version read, the reviewed mark added or removed; 412 when it changed. */
  setReviewed(document: DocumentReference & { id: string }, reviewed: boolean): Observable<DocumentReference> {
    return this.fhir.update({ ...withReviewed(document, reviewed), id: document.id });
  }

  /**
   * A practice document for the patient: the raw Binary (X-Security-Context: the patient), then a
   * DocumentReference pointing at it, by `author`. The server owns both by the patient's practice and
   * shares neither until someone turns "Shared with patient" on (decision 0023). Errors: the Binary's
   * refusal as it comes (415, 413, 403…), or DocumentNotFiledError when only the second step failed.
   */
  upload(
    patientId: string,
    upload: PracticeUpload,
    author: Reference,
    now = new Date(),
  ): Observable<DocumentReference> {
    const description = upload.description.trim();
    return this.binaries.post(upload.file, upload.contentType, patientId).pipe(
      switchMap((binaryId) =>
        this.fhir
          .create<DocumentReference>({
            resourceType: 'DocumentReference',
            status: 'current',
            docStatus: 'final',
            type: documentKindType(upload.kind),
            subject: { reference: `Patient/${patientId}` },
            date: now.toISOString(),
            author: [author],
            ...(description ? { description } : {}),
            content: [{ attachment: attachmentFor(upload.file, upload.contentType, binaryId) }],
          })
          .pipe(catchError((error: unknown) => throwError(() => new DocumentNotFiledError(error)))),
      ),
    );
  }

  /**
   * The document's bytes: inline `data` as is, else its Binary read with `Accept: *\/*` (the raw
   * download; the bearer token is added by the auth interceptor since the path is this origin's FHIR API).
   */
  content(document: DocumentReference): Observable<Blob> {
    const attachment = document.content?.[0]?.attachment;
    if (attachment?.data) return of(inlineBlob(attachment));
    const path = binaryPath(attachment?.url);
    if (!path) return throwError(() => new NoContentError());
    return this.http.get(path, { headers: new HttpHeaders({ Accept: '*/*' }), responseType: 'blob' });
  }
}

/** Why an upload failed, in words: the server's OperationOutcome text, after what did not happen. */
export function uploadErrorMessages(error: unknown): string[] {
  if (error instanceof DocumentNotFiledError) return [error.message, ...errorMessages(error.refusal)];
  return ['The file was not uploaded.', ...errorMessages(error)];
}

/** Why content could not be fetched, in words (a Blob error body carries no readable OperationOutcome). */
export function contentErrorMessages(error: unknown): string[] {
  if (error instanceof HttpErrorResponse && error.status === 404)
    return ['The file is not there any more, or you may not see it.'];
  if (error instanceof HttpErrorResponse && error.status === 403) return ['You are not allowed to download this file.'];
  return errorMessages(error);
}
