import { Component } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink } from '@angular/router';

/** Unknown console URLs (the server sends every /console/* path to the app). */
@Component({
  selector: 'pc-not-found',
  imports: [RouterLink, MatButtonModule],
  template: `
    <section class="page">
      <h1>Page not found</h1>
      <p>There is no page at this address.</p>
      <a mat-flat-button routerLink="/patients">Go to patients</a>
    </section>
  `,
})
export class NotFound {}
