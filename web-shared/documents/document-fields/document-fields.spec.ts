import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { DocumentFields } from './document-fields';

describe('DocumentFields', () => {
  let fixture: ComponentFixture<DocumentFields>;
  let element: HTMLElement;

  beforeEach(() => {
    fixture = TestBed.createComponent(DocumentFields);
    fixture.componentRef.setInput('kindLabel', 'What is it?');
    fixture.componentRef.setInput('textLabel', 'Note (optional)');
    fixture.detectChanges();
    element = fixture.nativeElement;
  });

  const control = <T extends HTMLElement>(label: string): T => {
    const found = Array.from(element.querySelectorAll('label')).find((l) => l.textContent?.trim() === label)!;
    return element.querySelector<T>(`#${found.htmlFor}`)!;
  };

  it('labels the file, the kind and the text, and offers the types the server takes', () => {
    const file = control<HTMLInputElement>('File');
    expect(file.type).toBe('file');
    expect(file.accept).toContain('application/pdf');
    expect(file.accept).toContain('.heic');
    expect(element.querySelector(`#${file.getAttribute('aria-describedby')}`)?.textContent).toContain('up to 50 MB');
    const kind = control<HTMLSelectElement>('What is it?');
    expect(Array.from(kind.options).map((o) => o.value)).toEqual([
      'Referral',
      'Letter',
      'Test result',
      'Image',
      'Other',
    ]);
    expect(control<HTMLTextAreaElement>('Note (optional)').maxLength).toBe(1000);
  });

  it('reports the file, kind and text chosen, and clears the picker when the file is reset', () => {
    const chosen: (File | undefined)[] = [];
    fixture.componentInstance.file.subscribe((f) => chosen.push(f));
    const picker = control<HTMLInputElement>('File');
    const files = new DataTransfer();
    const pdf = new File(['%PDF-1.7'], 'a.pdf', { type: 'application/pdf' });
    files.items.add(pdf);
    picker.files = files.files;
    picker.dispatchEvent(new Event('change'));
    expect(chosen).toEqual([pdf]);

    const kind = control<HTMLSelectElement>('What is it?');
    kind.value = 'Image';
    kind.dispatchEvent(new Event('change'));
    expect(fixture.componentInstance.kind()).toBe('Image');
    const text = control<HTMLTextAreaElement>('Note (optional)');
    text.value = 'hello';
    text.dispatchEvent(new Event('input'));
    expect(fixture.componentInstance.text()).toBe('hello');

    fixture.componentRef.setInput('file', undefined);
    fixture.detectChanges();
    expect(picker.value).toBe('');
  });
});
