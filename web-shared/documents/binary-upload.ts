import { HttpClient, HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { map, type Observable } from 'rxjs';
import { FHIR_BASE } from '../fhir/fhir-client';
import type { Attachment, Binary } from '../fhir/fhir-types';
import { uploadDisposition } from './upload-rules';

/** Refusals of the file itself (415 type or content, 413 size), not of who sends it or for whom. */
export function isFileRefusal(error: unknown): boolean {
  return error instanceof HttpErrorResponse && (error.status === 413 || error.status === 415);
}

/**
 * The first step of every document upload (decision 0022): the raw bytes POSTed to `Binary`, which
 * the server streams into its blob store after checking the type from the bytes. X-Security-Context
 * names the patient's record, so the Binary is in that record and under its practice's access rules.
 * Then the caller writes the DocumentReference that points at it (`attachmentFor`).
 */
@Injectable({ providedIn: 'root' })
export class BinaryUpload {
  private readonly http = inject(HttpClient);

  /** The new Binary's id; errors as they come (an HttpErrorResponse carrying an OperationOutcome). */
  post(file: File, contentType: string, patientId: string): Observable<string> {
    const headers = new HttpHeaders({
      Accept: 'application/fhir+json',
      'Content-Type': contentType,
      'X-Security-Context': `Patient/${patientId}`,
      'Content-Disposition': uploadDisposition(file.name),
    });
    return this.http.post<Binary>(`${FHIR_BASE}/Binary`, file, { headers }).pipe(
      map((binary) => {
        if (!binary?.id) throw new Error('The server did not say where it stored the file.');
        return binary.id;
      }),
    );
  }
}

/** The DocumentReference attachment for an uploaded Binary. */
export function attachmentFor(file: File, contentType: string, binaryId: string): Attachment {
  return { contentType, url: `Binary/${binaryId}`, title: file.name, size: file.size };
}
