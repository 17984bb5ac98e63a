import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { ErrorMessages } from './error-messages';

@Component({
  imports: [ErrorMessages],
  template: `<ws-error-messages [messages]="messages()" [heading]="heading" [alert]="alert()"
    ><button type="button">Try again</button></ws-error-messages
  >`,
})
class Host {
  readonly messages = signal<string[]>([]);
  readonly alert = signal(true);
  heading = 'Could not load the results.';
}

describe('ErrorMessages', () => {
  it('renders nothing while empty, then an alert with the heading, each message and the projected action', () => {
    const fixture = TestBed.createComponent(Host);
    fixture.detectChanges();
    const element: HTMLElement = fixture.nativeElement;
    expect(element.querySelector('.error-messages')).toBeNull();

    fixture.componentInstance.messages.set(['Patient.birthDate: Invalid date format', 'Store down']);
    fixture.detectChanges();
    const alert = element.querySelector('.error-messages')!;
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.querySelector('strong')?.textContent).toBe('Could not load the results.');
    expect(Array.from(alert.querySelectorAll('li')).map((li) => li.textContent)).toEqual([
      'Patient.birthDate: Invalid date format',
      'Store down',
    ]);
    expect(alert.querySelector('button')?.textContent).toBe('Try again');

    fixture.componentInstance.alert.set(false);
    fixture.detectChanges();
    expect(element.querySelector('.error-messages')?.getAttribute('role')).toBeNull();
  });
});
