import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { DirectoryEntry } from '../directory';
import { PractitionerCard } from './practitioner-card';

describe('PractitionerCard', () => {
  beforeEach(() => TestBed.configureTestingModule({ providers: [provideRouter([])] }));

  async function render(entry: DirectoryEntry): Promise<HTMLElement> {
    const fixture = TestBed.createComponent(PractitionerCard);
    fixture.componentRef.setInput('entry', entry);
    await fixture.whenStable();
    return fixture.nativeElement;
  }

  it('shows the name as a heading and each role with its organization', async () => {
    const card = await render({
      id: 'p1',
      name: 'Dr. Mai Ng',
      roles: [{ title: 'Dermatology', organization: 'Riverside Clinic' }, { title: 'Teaching' }],
    });
    expect(card.querySelector('h2')?.textContent?.trim()).toBe('Dr. Mai Ng');
    const roles = Array.from(card.querySelectorAll('.roles li')).map((li) => li.textContent?.trim());
    expect(roles).toEqual(['Dermatology · Riverside Clinic', 'Teaching']);
  });

  it('says when no specialty is listed', async () => {
    const card = await render({ id: 'p2', name: 'Sam Lee', roles: [] });
    expect(card.textContent).toContain('No specialty listed');
    expect(card.querySelector('.roles')).toBeNull();
  });

  it('links the name to the profile and lists the languages', async () => {
    const card = await render({ id: 'p3', name: 'Anh Tran', roles: [], languages: ['Vietnamese', 'French'] });
    expect(card.querySelector('h2 a')?.getAttribute('href')).toBe('/practitioners/p3');
    expect(card.querySelector('.languages')?.textContent).toContain('Speaks Vietnamese, French');
  });
});
