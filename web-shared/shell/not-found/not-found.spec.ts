import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { HOME_PAGE } from '../home-page';
import { NotFound } from './not-found';

describe('NotFound', () => {
  it('says there is no page here and links to the home page it is given', async () => {
    TestBed.configureTestingModule({
      providers: [provideRouter([]), { provide: HOME_PAGE, useValue: { path: 'patients', label: 'Go to patients' } }],
    });
    const fixture = TestBed.createComponent(NotFound);
    await fixture.whenStable();
    const page = fixture.nativeElement as HTMLElement;
    expect(page.querySelector('h1')?.textContent).toBe('Page not found');
    const link = page.querySelector('a') as HTMLAnchorElement;
    expect(link.textContent?.trim()).toBe('Go to patients');
    expect(link.getAttribute('href')).toBe('/patients');
  });
});
