import { HttpClient, HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { type DocumentReference, errorMessages, FHIR_BASE, FhirClient, type Resource } from '@web-shared/fhir';
import { catchError, concatMap, from, map, type Observable, of, switchMap } from 'rxjs';

/** The server's default limit (BINARY_LIMIT_BYTES, 50 MiB); checked here only to spare a long wait. */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

/** The types the server accepts (server/fhir/binary/content-check.ts), by the extensions people know. */
export const UPLOAD_TYPES: Readonly<Record<string, string>> = {
  'application/pdf': '.pdf',
  'image/jpeg': '.jpg,.jpeg',
  'image/png': '.png',
  'image/heic': '.heic',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': '.docx',
  'text/plain': '.txt',
};

/** What the patient says the document is; stored as the DocumentReference's `type.text`. */
export const DOCUMENT_TYPES = ['Referral', 'Letter', 'Test result', 'Image', 'Other'] as const;

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

/** Refusals about the file itself (415 type, 413 size), not about the practice or the patient's record there. */
const FILE_REFUSALS = [413, 415];

interface Binary extends Resource {
  resourceType: 'Binary';
}

/**
 * Sends a patient's document to their practices: per practice, the bytes as a raw Binary (streamed
 * by the server; X-Security-Context names the patient's record at that practice, so the practice's
 * access rules apply) and then a DocumentReference pointing at it. Practices are served one after
 * another so that a 50 MB file is never sent twice at once on a slow connection.
 */
@Injectable({ providedIn: 'root' })
export class DocumentUploadService {
  private readonly http = inject(HttpClient);
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
    const headers = new HttpHeaders({
      Accept: 'application/fhir+json',
      'Content-Type': request.contentType,
      'X-Security-Context': `Patient/${target.patientId}`,
      'Content-Disposition': uploadDisposition(request.file.name),
    });
    return this.http.post<Binary>(`${FHIR_BASE}/Binary`, request.file, { headers }).pipe(
      map((binary): Binary & { id: string } => {
        if (!binary?.id) throw new Error('The server did not say where it stored the file.');
        return binary as Binary & { id: string };
      }),
      catchError((error: unknown) => {
        if (error instanceof HttpErrorResponse && FILE_REFUSALS.includes(error.status)) state.fileRefused = true;
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
    type: { text: request.typeLabel },
    subject: { reference: `Patient/${target.patientId}` },
    ...(note ? { description: note } : {}),
    date: new Date().toISOString(),
    content: [
      {
        attachment: {
          contentType: request.contentType,
          url: `Binary/${binaryId}`,
          title: request.file.name,
          size: request.file.size,
        },
      },
    ],
  };
}

/**
 * The file name for the server (RFC 6266): an ASCII stand-in in `filename`, the real name in
 * `filename*`. A header value outside Latin-1 would make the browser refuse the whole request.
 */
export function uploadDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** The file's type as the server names it: the browser's, else from the extension (HEIC often has none). */
export function uploadType(file: File): string | undefined {
  if (file.type && file.type in UPLOAD_TYPES) return file.type;
  if (file.type) return undefined;
  const extension = /\.[^.]+$/.exec(file.name.toLowerCase())?.[0];
  if (!extension) return undefined;
  return Object.keys(UPLOAD_TYPES).find((type) => UPLOAD_TYPES[type].split(',').includes(extension));
}

/** What is wrong with the form before anything is sent, in plain words; empty when it can be sent. */
export function uploadProblems(file: File | undefined, practiceCount: number): string[] {
  const problems: string[] = [];
  if (!file) problems.push('Choose a file to send.');
  else if (file.size === 0) problems.push('The file you chose is empty.');
  else if (file.size > MAX_UPLOAD_BYTES)
    problems.push(`The file is ${megabytes(file.size)} MB; files of up to 50 MB can be sent.`);
  if (file && !uploadType(file))
    problems.push(
      'This kind of file cannot be sent. Send a PDF, a photo (JPEG, PNG or HEIC), a Word (.docx) or a text file.',
    );
  if (practiceCount === 0) problems.push('Choose at least one practice to send the document to.');
  return problems;
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
