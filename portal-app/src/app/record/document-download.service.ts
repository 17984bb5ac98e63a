import { HttpClient, HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { DOCUMENT, inject, Injectable } from '@angular/core';
import { FHIR_BASE } from '@web-shared/fhir';
import { catchError, from, map, type Observable, of, switchMap, throwError } from 'rxjs';
import type { RecordFile } from './record-model';

/**
 * Hands a Blob to the browser as a download. Apart from the HTTP part so that specs can watch what
 * would be saved without the browser saving anything.
 */
@Injectable({ providedIn: 'root' })
export class FileSaver {
  private readonly document = inject(DOCUMENT);

  save(blob: Blob, fileName: string): void {
    const url = URL.createObjectURL(blob);
    const link = this.document.createElement('a');
    link.href = url;
    // `download` makes the browser save the file rather than open it in the portal's origin: a
    // document is never rendered here (an HTML or SVG file could run script as the portal).
    link.download = fileName;
    link.rel = 'noopener';
    this.document.body.appendChild(link);
    link.click();
    link.remove();
    // The click has started the download; the object URL is not needed after this task.
    setTimeout(() => URL.revokeObjectURL(url));
  }
}

/**
 * Downloads a record's file: a Binary through the app's HttpClient, so the access token goes with it
 * (a plain link would carry no token), or inline base64 data as it is.
 */
@Injectable({ providedIn: 'root' })
export class DocumentDownloadService {
  private readonly http = inject(HttpClient);
  private readonly saver = inject(FileSaver);

  download(file: RecordFile): Observable<void> {
    return this.bytesOf(file).pipe(map((blob) => this.saver.save(blob, safeFileName(file.title))));
  }

  private bytesOf(file: RecordFile): Observable<Blob> {
    if (file.data !== undefined) return of(blobOf(file.data, file.contentType));
    // Accept */* asks for the bytes themselves, not the Binary resource as FHIR JSON.
    return this.http
      .get(`${FHIR_BASE}/Binary/${encodeURIComponent(file.binaryId ?? '')}`, {
        headers: new HttpHeaders({ Accept: '*/*', 'Cache-Control': 'no-cache' }),
        responseType: 'blob',
      })
      .pipe(switchMap(unwrapBinaryResource), catchError(withTextBody));
  }
}

function blobOf(base64: string, contentType: string | undefined): Blob {
  const bytes = Uint8Array.from(atob(base64.replace(/\s/g, '')), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type: contentType ?? 'application/octet-stream' });
}

/**
 * A server that does not (yet) serve a Binary's raw bytes for `Accept: *\/*` answers with the Binary
 * resource as FHIR JSON; its `data` then holds the bytes. Only that media type is looked into, so a
 * stored JSON document is saved exactly as it is.
 */
function unwrapBinaryResource(blob: Blob): Observable<Blob> {
  if (!blob.type.startsWith('application/fhir+json')) return of(blob);
  return from(blob.text()).pipe(
    map((text) => {
      try {
        const resource = JSON.parse(text) as { resourceType?: string; contentType?: string; data?: string };
        return resource.resourceType === 'Binary' && typeof resource.data === 'string'
          ? blobOf(resource.data, resource.contentType)
          : blob;
      } catch {
        return blob;
      }
    }),
  );
}

/** A name the file system accepts: no path separators or control characters, never empty. */
export function safeFileName(title: string): string {
  // Control characters are exactly what this removes.
  // eslint-disable-next-line no-control-regex
  const forbidden = /[\u0000-\u001f\u007f/\\:*?"<>|]+/g;
  const cleaned = title.replace(forbidden, '_').replace(/^\.+/, '').trim();
  return cleaned || 'document';
}

/**
 * With responseType 'blob' an error's OperationOutcome arrives as a Blob too; as text, errorMessages()
 * can show the server's own words ("Binary/b1 is not known") instead of only the status.
 */
function withTextBody(error: unknown): Observable<never> {
  if (!(error instanceof HttpErrorResponse) || !(error.error instanceof Blob)) return throwError(() => error);
  return from(error.error.text()).pipe(
    switchMap((text) =>
      throwError(
        () =>
          new HttpErrorResponse({
            error: text,
            headers: error.headers,
            status: error.status,
            statusText: error.statusText,
            url: error.url ?? undefined,
          }),
      ),
    ),
  );
}
