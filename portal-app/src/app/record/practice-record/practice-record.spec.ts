import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { atPhoneWidth } from '@web-shared/shell/testing';
import { Subject } from 'rxjs';
import { DocumentDownloadService } from '../document-download.service';
import { formatFhirDate } from '../format-date';
import type { PracticeRecord, RecordFile } from '../record-model';
import { emptyRecord } from '../record-testing';
import { NOTHING_SHARED, PracticeRecordView } from './practice-record';

const SECTIONS = ['Notes', 'Results', 'Medications', 'Allergies', 'Immunizations', 'Documents'];

const fullRecord = emptyRecord({
  notes: {
    items: [
      {
        id: 'n1',
        date: '2026-11-02T09:15:00Z',
        author: 'Dr Amara Okafor',
        title: 'Follow-up',
        text: 'Tension réduite.\n<b>Revoir</b> en mars.',
        files: [],
      },
    ],
  },
  results: { items: [{ id: 'o1', name: 'Haemoglobin', value: '13.5 g/dL', date: '2026-10-01' }] },
  medications: {
    items: [{ id: 'MedicationRequest/m1', name: 'Amlodipine 5 mg', dosage: 'One each morning', status: 'Active' }],
  },
  allergies: { items: [{ id: 'a1', name: 'Penicillin', reactions: ['Hives'], highRisk: true }] },
  immunizations: { items: [{ id: 'i1', name: 'Influenza', date: '2026-04-12' }] },
  documents: {
    items: [
      {
        id: 'd1',
        description: 'Referral letter',
        date: '2026-09-30T12:00:00Z',
        files: [{ title: 'referral.pdf', contentType: 'application/pdf', binaryId: 'b1' }],
      },
    ],
  },
});

describe('PracticeRecordView', () => {
  let fixture: ComponentFixture<PracticeRecordView>;
  let page: HTMLElement;
  let downloads: { file: RecordFile; answer: Subject<void> }[];

  beforeEach(() => {
    downloads = [];
    TestBed.configureTestingModule({
      providers: [
        {
          provide: DocumentDownloadService,
          useValue: {
            download: (file: RecordFile) => {
              const answer = new Subject<void>();
              downloads.push({ file, answer });
              return answer;
            },
          },
        },
      ],
    });
    fixture = TestBed.createComponent(PracticeRecordView);
    page = fixture.nativeElement;
  });

  function show(record: PracticeRecord): void {
    fixture.componentRef.setInput('record', record);
    fixture.detectChanges();
  }

  const section = (name: string) =>
    Array.from(page.querySelectorAll<HTMLElement>('section section')).find(
      (s) => s.querySelector('h3')?.textContent === name,
    )!;

  it('heads the practice with its name and labels each section with its own heading', () => {
    show(fullRecord);
    const heading = page.querySelector('h2') as HTMLElement;
    expect(heading.textContent).toBe('Harbourside Family Practice');
    expect(page.querySelector('section')?.getAttribute('aria-labelledby')).toBe(heading.id);
    const headings = Array.from(page.querySelectorAll('h3'));
    expect(headings.map((h) => h.textContent)).toEqual(SECTIONS);
    for (const h of headings) expect(h.parentElement?.getAttribute('aria-labelledby')).toBe(h.id);
  });

  it('says whose record it is when the account reaches several people', () => {
    show(emptyRecord());
    expect(page.querySelector('.whose')?.textContent).toBe('Record of Olivia Smith');
    show(emptyRecord({ patientName: 'Noah Smith', severalPeople: true }));
    expect(page.querySelector('h2')?.textContent).toBe('Harbourside Family Practice · Noah Smith');
    expect(page.querySelector('.whose')).toBeNull();
  });

  it('says "nothing shared" once when the practice shares nothing at all', () => {
    show(emptyRecord());
    expect(Array.from(page.querySelectorAll('.empty')).map((p) => p.textContent)).toEqual([NOTHING_SHARED]);
    expect(page.querySelectorAll('h3').length).toBe(0);
  });

  it('says "nothing shared" in each empty section when others have items', () => {
    show(emptyRecord({ allergies: fullRecord.allergies }));
    for (const name of SECTIONS.filter((s) => s !== 'Allergies')) {
      expect(section(name).querySelector('.empty')?.textContent).toBe(NOTHING_SHARED);
    }
    expect(section('Allergies').querySelector('.empty')).toBeNull();
    expect(page.querySelector('table')).toBeNull();
  });

  it("shows a note's text as text (markup stays visible, nothing is rendered), its date and author", () => {
    show(fullRecord);
    const note = section('Notes');
    const text = note.querySelector('.note-text') as HTMLElement;
    expect(text.textContent).toBe('Tension réduite.\n<b>Revoir</b> en mars.');
    expect(text.querySelector('b')).toBeNull();
    expect(note.querySelector('h4')?.textContent).toBe('Follow-up');
    expect(note.querySelector('time')?.textContent).toBe(formatFhirDate('2026-11-02T09:15:00Z'));
    expect(note.querySelector('time')?.getAttribute('datetime')).toBe('2026-11-02T09:15:00Z');
    expect(note.textContent).toContain('Dr Amara Okafor');
  });

  it('lists results in a captioned table with column and row headers', () => {
    show(fullRecord);
    const table = section('Results').querySelector('table') as HTMLTableElement;
    expect(table.caption?.textContent?.trim()).toBe('Results from Harbourside Family Practice, newest first');
    expect(Array.from(table.querySelectorAll('thead th')).map((th) => th.textContent)).toEqual([
      'Test',
      'Result',
      'Date',
    ]);
    const cells = Array.from(table.querySelectorAll('tbody tr > *')).map((c) => c.textContent?.trim());
    expect(cells).toEqual(['Haemoglobin', '13.5 g/dL', formatFhirDate('2026-10-01')]);
    expect(table.querySelector('tbody th')?.getAttribute('scope')).toBe('row');
  });

  it('lists medications, allergies (high risk said in words) and immunizations', () => {
    show(fullRecord);
    expect(section('Medications').querySelector('li')?.textContent).toContain('Amlodipine 5 mg · Active');
    expect(section('Medications').querySelector('li')?.textContent).toContain('One each morning');
    expect(section('Allergies').querySelector('li')?.textContent).toContain('Penicillin · High risk');
    expect(section('Allergies').querySelector('li')?.textContent).toContain('Reaction: Hives');
    expect(section('Immunizations').querySelector('li')?.textContent).toContain(
      `Influenza · ${formatFhirDate('2026-04-12')}`,
    );
  });

  it('downloads a document from its button, named after the file, disabled while it runs', () => {
    show(fullRecord);
    const button = section('Documents').querySelector('button') as HTMLButtonElement;
    expect(button.textContent?.trim()).toBe('Download referral.pdf');
    button.click();
    fixture.detectChanges();
    expect(downloads.map((d) => d.file)).toEqual([
      { title: 'referral.pdf', contentType: 'application/pdf', binaryId: 'b1' },
    ]);
    expect(button.disabled).toBeTrue();
    downloads[0]!.answer.next();
    downloads[0]!.answer.complete();
    fixture.detectChanges();
    expect(button.disabled).toBeFalse();
  });

  it('explains a failed download in plain words', () => {
    show(fullRecord);
    (section('Documents').querySelector('button') as HTMLButtonElement).click();
    downloads[0]!.answer.error(new Error('The file is no longer available.'));
    fixture.detectChanges();
    const alert = section('Documents').querySelector('[role=alert]') as HTMLElement;
    expect(alert.textContent).toContain('The document could not be downloaded.');
    expect(alert.textContent).toContain('The file is no longer available.');
  });

  it("shows a section's own error instead of its items, leaving the others", () => {
    show({ ...fullRecord, immunizations: { errors: ['Not allowed to read Immunization'] } });
    const alert = section('Immunizations').querySelector('[role=alert]') as HTMLElement;
    expect(alert.textContent).toContain('This part of your record could not be loaded.');
    expect(alert.textContent).toContain('Not allowed to read Immunization');
    expect(section('Allergies').querySelector('li')).not.toBeNull();
  });

  it('fits a 390 px phone: nothing wider than the screen', async () => {
    const host = atPhoneWidth(page);
    show({
      ...fullRecord,
      results: {
        items: [
          {
            id: 'o1',
            name: 'Glycated haemoglobin (HbA1c) in blood by HPLC',
            value: '41 mmol/mol',
            date: '2026-10-01T08:30:00Z',
          },
        ],
      },
    });
    await fixture.whenStable();
    expect(host.scrollWidth).toBeLessThanOrEqual(390);
    for (const element of Array.from(host.querySelectorAll<HTMLElement>('table, li, button'))) {
      expect(element.getBoundingClientRect().right)
        .withContext(element.textContent ?? '')
        .toBeLessThanOrEqual(host.getBoundingClientRect().left + 390.5);
    }
  });
});
