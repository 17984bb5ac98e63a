import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink } from '@angular/router';
import { HOME_PAGE } from '../home-page';

/** Unknown URLs (the server sends every /console/* and /portal/* path to its app). */
@Component({
  selector: 'ws-not-found',
  imports: [RouterLink, MatButtonModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <h1>Page not found</h1>
      <p>There is no page at this address.</p>
      <a mat-flat-button [routerLink]="'/' + home.path">{{ home.label }}</a>
    </section>
  `,
})
export class NotFound {
  protected readonly home = inject(HOME_PAGE);
}
