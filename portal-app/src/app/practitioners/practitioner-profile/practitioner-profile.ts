import { Component, DestroyRef, inject, input, type OnInit, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { errorMessages } from '@web-shared/fhir';
import { CareTeamService, memberIds } from '../care-team/care-team.service';
import { type PractitionerProfile, PractitionerProfileService } from './practitioner-profile.service';

/** A practitioner's public profile (/practitioners/:id), with "Add to my practitioners" / "Remove". */
@Component({
  selector: 'pp-practitioner-profile',
  imports: [MatButtonModule, MatProgressBarModule, RouterLink],
  templateUrl: './practitioner-profile.html',
  styles: `
    .roles {
      padding: 0;
      list-style: none;
    }
    .roles > li {
      margin-bottom: 1rem;
    }
    .facts {
      margin: 0.25rem 0;
    }
    .biography {
      white-space: pre-line;
      max-width: 40rem;
    }
  `,
})
export class PractitionerProfilePage implements OnInit {
  /** The route's :id (withComponentInputBinding). */
  readonly id = input.required<string>();
  private readonly profiles = inject(PractitionerProfileService);
  private readonly careTeam = inject(CareTeamService);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly loading = signal(true);
  protected readonly errors = signal<string[]>([]);
  protected readonly profile = signal<PractitionerProfile | undefined>(undefined);
  protected readonly onMyList = signal(false);
  protected readonly saving = signal(false);
  protected readonly saveErrors = signal<string[]>([]);
  protected readonly saved = signal('');

  ngOnInit(): void {
    this.load();
  }

  protected load(): void {
    this.loading.set(true);
    this.errors.set([]);
    this.profiles
      .load(this.id())
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (profile) => {
          this.profile.set(profile);
          this.loading.set(false);
        },
        error: (error: unknown) => {
          this.errors.set(errorMessages(error));
          this.loading.set(false);
        },
      });
    this.careTeam
      .mine()
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (team) => this.onMyList.set(memberIds(team).includes(this.id())),
        error: () => this.onMyList.set(false),
      });
  }

  protected toggle(): void {
    const adding = !this.onMyList();
    this.saving.set(true);
    this.saveErrors.set([]);
    this.saved.set('');
    (adding ? this.careTeam.add(this.id()) : this.careTeam.remove(this.id()))
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: () => {
          this.onMyList.set(adding);
          this.saving.set(false);
          this.saved.set(adding ? 'Added to my practitioners.' : 'Removed from my practitioners.');
        },
        error: (error: unknown) => {
          this.saveErrors.set(errorMessages(error));
          this.saving.set(false);
        },
      });
  }
}
