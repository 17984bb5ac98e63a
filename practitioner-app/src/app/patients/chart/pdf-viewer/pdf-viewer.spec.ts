import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { atPhoneWidth } from '@web-shared/shell/testing';
import { PdfViewer } from './pdf-viewer';

/**
 * A small valid PDF built here (the idea of test/e2e/support/minimal-pdf.ts): `pages` pages of
 * 200 × 200 points, each with a blue square drawn by its content stream, and an xref with the real
 * byte offsets.
 */
function tinyPdf(pages = 1): Blob {
  const pageIds = Array.from({ length: pages }, (_, i) => 3 + 2 * i);
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages} >>`,
  ];
  for (const id of pageIds) {
    const content = '0 0 1 rg 20 20 160 160 re f';
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << >> /Contents ${id + 1} 0 R >>`);
    objects.push(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  }
  let text = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(text.length);
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = text.length;
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) text += `${String(offset).padStart(10, '0')} 00000 n \n`;
  text += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Blob([text], { type: 'application/pdf' });
}

describe('PdfViewer', () => {
  let fixture: ComponentFixture<PdfViewer>;
  let page: HTMLElement;
  let downloads: number;

  // The first test loads pdf.js's chunk and starts its worker: more than Jasmine's default 5 s may pass.
  const timeout = 30_000;

  function create(data: Blob): void {
    fixture = TestBed.createComponent(PdfViewer);
    fixture.componentRef.setInput('data', data);
    fixture.componentRef.setInput('file', 'letter.pdf');
    downloads = 0;
    fixture.componentInstance.downloadRequested.subscribe(() => downloads++);
    page = atPhoneWidth(fixture.nativeElement);
    fixture.detectChanges();
  }

  /** Waits, re-rendering, until `condition` holds (pdf.js works in its worker, outside Angular). */
  async function until(condition: () => boolean): Promise<void> {
    while (!condition()) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      fixture.detectChanges();
      await fixture.whenStable();
    }
  }

  const canvas = () => page.querySelector<HTMLCanvasElement>('canvas');
  const drawnPage = () => canvas()?.getAttribute('data-drawn-page') ?? null;
  const position = () => page.querySelector('.page-position')?.textContent?.trim();
  const button = (name: string) => page.querySelector<HTMLButtonElement>(`button.${name}`)!;

  /** The share of the canvas's pixels that are painted blue, as the tiny PDF's square is. */
  function blueShare(target: HTMLCanvasElement): number {
    const { data } = target.getContext('2d')!.getImageData(0, 0, target.width, target.height);
    let blue = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 2]! > 200 && data[i]! < 50 && data[i + 3] === 255) blue++;
    return blue / (data.length / 4);
  }

  it(
    'shows a loading indicator, then draws page 1 onto a canvas as wide as the viewer',
    async () => {
      create(tinyPdf());
      expect(page.querySelector('mat-progress-bar[aria-label="Opening the PDF"]')).not.toBeNull();
      await until(() => drawnPage() === '1');
      const drawn = canvas()!;
      expect(drawn.width).toBeGreaterThan(0);
      expect(drawn.height).toBeGreaterThan(0);
      // The square covers 160 × 160 of the 200 × 200 points: 64 % of the page.
      expect(blueShare(drawn)).toBeGreaterThan(0.5);
      expect(drawn.getAttribute('aria-label')).toBe('Page 1 of 1 of letter.pdf');
      expect(position()).toBe('Page 1 of 1');
      expect(drawn.getBoundingClientRect().width).toBeLessThanOrEqual(390);
      expect(page.scrollWidth).toBeLessThanOrEqual(390);
      expect(page.querySelector('mat-progress-bar')).toBeNull();
      expect(page.querySelector('iframe, embed, object, a')).toBeNull();
    },
    timeout,
  );

  it(
    'pages through a longer PDF with previous and next buttons',
    async () => {
      create(tinyPdf(3));
      await until(() => drawnPage() === '1');
      expect(position()).toBe('Page 1 of 3');
      expect(button('previous-page').getAttribute('aria-disabled')).toBe('true');
      button('next-page').click();
      await until(() => drawnPage() === '2');
      expect(position()).toBe('Page 2 of 3');
      button('next-page').click();
      await until(() => drawnPage() === '3');
      expect(button('next-page').getAttribute('aria-disabled')).toBe('true');
      // Still focusable when at the end (disabledInteractive), and a click there goes nowhere.
      button('next-page').click();
      fixture.detectChanges();
      expect(position()).toBe('Page 3 of 3');
      button('previous-page').click();
      await until(() => drawnPage() === '2');
      expect(position()).toBe('Page 2 of 3');
    },
    timeout,
  );

  it(
    'says in plain words that a broken PDF cannot be shown, and offers the download',
    async () => {
      create(new Blob(['%PDF-1.7\nthis is not a PDF at all'], { type: 'application/pdf' }));
      await until(() => page.querySelector('[role=alert]') !== null);
      expect(page.querySelector('[role=alert]')?.textContent).toContain('This PDF cannot be shown here.');
      expect(canvas()).toBeNull();
      expect(page.querySelector('mat-progress-bar')).toBeNull();
      button('pdf-download').click();
      expect(downloads).toBe(1);
    },
    timeout,
  );
});
