import { Component, input } from '@angular/core';
import { MatCardModule } from '@angular/material/card';
import { RouterLink } from '@angular/router';
import type { DirectoryEntry } from '../directory';

/** One practitioner in the directory: name (a link to their profile), languages, then each role with where it is practised. */
@Component({
  selector: 'pp-practitioner-card',
  imports: [MatCardModule, RouterLink],
  template: `
    <mat-card appearance="outlined">
      <mat-card-header>
        <h2 mat-card-title>
          <a [routerLink]="['/practitioners', entry().id]">{{ entry().name }}</a>
        </h2>
      </mat-card-header>
      <mat-card-content>
        @if (entry().languages; as languages) {
          <p class="languages">Speaks {{ languages.join(', ') }}</p>
        }
        @if (entry().roles.length > 0) {
          <ul class="roles">
            @for (role of entry().roles; track $index) {
              <li>
                <span class="title">{{ role.title }}</span>
                @if (role.organization) {
                  <span class="organization"> · {{ role.organization }}</span>
                }
              </li>
            }
          </ul>
        } @else {
          <p class="no-roles">No specialty listed</p>
        }
      </mat-card-content>
    </mat-card>
  `,
  styles: `
    h2 {
      margin: 0;
    }
    .roles {
      margin: 0.5rem 0 0;
      padding: 0;
      list-style: none;
    }
    .organization,
    .no-roles {
      color: var(--mat-sys-on-surface-variant, #44474e);
    }
  `,
})
export class PractitionerCard {
  readonly entry = input.required<DirectoryEntry>();
}
