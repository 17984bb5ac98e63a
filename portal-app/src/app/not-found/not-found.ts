import { Component } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink } from '@angular/router';

/** Unknown portal URLs (the server sends every /portal/* path to the app). */
@Component({
  selector: 'pp-not-found',
  imports: [RouterLink, MatButtonModule],
  template: `
    <section class="page">
      <h1>Page not found</h1>
      <p>There is no page at this address.</p>
      <a mat-flat-button routerLink="/practitioners">Find a practitioner</a>
    </section>
  `,
})
export class NotFound {}
