import { type ComponentFixture, TestBed } from '@angular/core/testing';
import type { MatSlideToggleChange } from '@angular/material/slide-toggle';
import { ShareSwitch } from './share-switch';

describe('ShareSwitch', () => {
  let fixture: ComponentFixture<ShareSwitch>;
  let changes: MatSlideToggleChange[];

  function render(inputs: Record<string, unknown>): HTMLButtonElement {
    fixture = TestBed.createComponent(ShareSwitch);
    changes = [];
    fixture.componentInstance.changed.subscribe((change) => changes.push(change));
    for (const [name, value] of Object.entries(inputs)) fixture.componentRef.setInput(name, value);
    fixture.detectChanges();
    return fixture.nativeElement.querySelector('button[role=switch]');
  }

  const text = () => (fixture.nativeElement as HTMLElement).textContent?.trim();

  it('inside a note: the action as its name, no aria-label, the reason it is disabled linked', () => {
    const patient = render({ checked: true });
    expect(text()).toBe('Share with patient');
    expect(patient.getAttribute('aria-label')).toBeNull();
    expect(patient.getAttribute('aria-checked')).toBe('true');
    expect(patient.getAttribute('aria-describedby')).toBeNull();
    const colleagues = render({ checked: false, audience: 'colleagues', disabled: true, describedBy: 'why-1' });
    expect(text()).toBe('Share with colleagues');
    expect(colleagues.disabled).toBeTrue();
    expect(colleagues.getAttribute('aria-describedby')).toBe('why-1');
  });

  it('in a list: named after the item, the state as its text (shared, by default, not shared)', () => {
    const toggle = render({ checked: false, item: 'letter.pdf' });
    expect(toggle.getAttribute('aria-label')).toBe('Share letter.pdf with the patient');
    expect(text()).toBe('Not shared');
    fixture.componentRef.setInput('byDefault', true);
    fixture.detectChanges();
    expect(text()).toBe('Shared by default');
    fixture.componentRef.setInput('checked', true);
    fixture.detectChanges();
    expect(text()).toBe('Shared with patient');
    fixture.componentRef.setInput('sharedText', 'Shared');
    fixture.detectChanges();
    expect(text()).toBe('Shared');
  });

  it('hands the change over, so a refused share can set the switch back', () => {
    const toggle = render({ checked: false, item: 'letter.pdf' });
    toggle.click();
    fixture.detectChanges();
    expect(changes.length).toBe(1);
    expect(changes[0]!.checked).toBeTrue();
    changes[0]!.source.checked = false;
    fixture.detectChanges();
    expect(toggle.getAttribute('aria-checked')).toBe('false');
  });
});
