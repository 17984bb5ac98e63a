import { Component } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatToolbarModule } from '@angular/material/toolbar';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';

/** The console's frame: a toolbar with the product name and navigation above the routed page. */
@Component({
  selector: 'pc-root',
  imports: [RouterOutlet, RouterLink, RouterLinkActive, MatToolbarModule, MatButtonModule],
  template: `
    <a class="skip-link" href="#main">Skip to content</a>
    <header>
      <mat-toolbar>
        <a class="product" routerLink="/">Practice Console</a>
        <nav aria-label="Main">
          <a mat-button routerLink="/patients" routerLinkActive="active" ariaCurrentWhenActive="page">Patients</a>
        </nav>
      </mat-toolbar>
    </header>
    <main id="main" tabindex="-1">
      <router-outlet />
    </main>
  `,
  styles: `
    .product {
      margin-right: 1.5rem;
      color: inherit;
      font-size: 1.25rem;
      text-decoration: none;
    }
    .active {
      text-decoration: underline;
    }
    .skip-link {
      position: absolute;
      left: -100vw;
    }
    .skip-link:focus {
      left: 0.5rem;
      top: 0.5rem;
      z-index: 10;
      padding: 0.5rem;
      background: white;
    }
  `,
})
export class App {}
