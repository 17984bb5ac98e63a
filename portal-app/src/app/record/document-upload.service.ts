import { inject, Injectable } from '@angular/core';
import { attachmentFor, BinaryUpload, documentKindType, fileProblems, isFileRefusal } from '@web-shared/documents';
import { type DocumentReference, errorMessages, FhirClient } from '@web-shared/fhir';
import { catchError, concatMap, from, map, type Observable, of, switchMap } from 'rxjs';

/** One receiving practice: the patient's own Patient record there, and its name for messages. */
export interface UploadTarget {
  patientId: string;
  label: string;
}

export interface UploadRequest {
  file: File;
  contentType: string;
  typeLabel: string;
  note: string;
}

/**
 * What happened at one practice. `stage` 'file': the file was refused; 'document': the file arrived
 * but the DocumentReference was not filed; 'skipped': not tried, an earlier practice refused the file
 * itself (its type or size), which every practice would refuse alike.
 */
export type UploadOutcome =
  | { target: UploadTarget; sent: true; documentId?: string }
  | { target: UploadTarget; sent: false; stage: 'file' | 'document' | 'skipped'; messages: string[] };

/**
 * Sends a patient's document to their practices: per practice, the bytes as a raw Binary (streamed
 * by the server; X-Security-Context names the patient's record at that practice, so the practice's
 * access rules apply) and then a DocumentReference pointing at it. Practices are served one after
 * another so that a 50 MB file is never sent twice at once on a slow connection.
 */
@Injectable({ providedIn: 'root' })
export class DocumentUploadService {
  private readonly binaries = inject(BinaryUpload);
  private readonly fhir = inject(FhirClient);

  /** One outcome per target, in order; never errors (a failure is that target's outcome). */
  upload(request: UploadRequest, targets: UploadTarget[]): Observable<UploadOutcome> {
    // Sending a refused 50 MB file again to the next practice would only make the patient wait longer.
    const state = { fileRefused: false };
    return from(targets).pipe(
      concatMap((target) =>
        state.fileRefused
          ? of<UploadOutcome>({ target, sent: false, stage: 'skipped', messages: [] })
          : this.uploadTo(request, target, state),
      ),
    );
  }

  private uploadTo(
    request: UploadRequest,
    target: UploadTarget,
    state: { fileRefused: boolean },
  ): Observable<UploadOutcome> {
    return this.binaries.post(request.file, request.contentType, target.patientId).pipe(
      map((id) => ({ id })),
      catchError((error: unknown) => {
        if (isFileRefusal(error)) state.fileRefused = true;
        return of({ failed: errorMessages(error) });
      }),
      switchMap((binary) =>
        'failed' in binary
          ? of<UploadOutcome>({ target, sent: false, stage: 'file', messages: binary.failed })
          : this.fhir.create(documentReference(request, target, binary.id)).pipe(
              map((created): UploadOutcome => ({ target, sent: true, documentId: created?.id })),
              // The Binary alone is harmless (nothing lists it); the patient is told and may send again.
              catchError((error: unknown) =>
                of<UploadOutcome>({ target, sent: false, stage: 'document', messages: errorMessages(error) }),
              ),
            ),
      ),
    );
  }
}

export function documentReference(request: UploadRequest, target: UploadTarget, binaryId: string): DocumentReference {
  const note = request.note.trim();
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    type: documentKindType(request.typeLabel),
    subject: { reference: `Patient/${target.patientId}` },
    ...(note ? { description: note } : {}),
    date: new Date().toISOString(),
    content: [{ attachment: attachmentFor(request.file, request.contentType, binaryId) }],
  };
}

/** What is wrong with the form before anything is sent, in plain words; empty when it can be sent. */
export function uploadProblems(file: File | undefined, practiceCount: number): string[] {
  const problems = fileProblems(file);
  if (practiceCount === 0) problems.push('Choose at least one practice to send the document to.');
  return problems;
}
