import { DOCUMENT } from '@angular/common';
import { inject, Injectable } from '@angular/core';

/**
 * Saves bytes the console fetched as a file: an object URL on a temporary `<a download>`. The
 * download needs the bearer token, so a plain link to the Binary cannot be used. Specs replace this
 * service with a fake that records what would be saved.
 */
@Injectable({ providedIn: 'root' })
export class BlobSaver {
  private readonly document = inject(DOCUMENT);

  save(blob: Blob, name: string): void {
    const url = URL.createObjectURL(blob);
    const link = this.document.createElement('a');
    link.href = url;
    link.download = name;
    link.rel = 'noopener';
    this.document.body.appendChild(link);
    link.click();
    link.remove();
    // The click has started the download; the URL is released after the browser has read it.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}
