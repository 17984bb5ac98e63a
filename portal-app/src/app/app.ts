import { ChangeDetectionStrategy, Component } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AppFrame } from '@web-shared/shell';

/** The portal in the shared frame (web-shared/shell: product name, who is signed in, sign-out), with its navigation. */
@Component({
  selector: 'pp-root',
  imports: [AppFrame, RouterOutlet, RouterLink, RouterLinkActive, MatButtonModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <ws-app-frame>
      <a wsFrameNav mat-button routerLink="/practitioners" routerLinkActive="active" ariaCurrentWhenActive="page">Find a practitioner</a>
      <a wsFrameNav mat-button routerLink="/my-practitioners" routerLinkActive="active" ariaCurrentWhenActive="page">My practitioners</a>
      <a wsFrameNav mat-button routerLink="/record" routerLinkActive="active" ariaCurrentWhenActive="page">My health record</a>
      <router-outlet />
    </ws-app-frame>
  `,
})
export class App {}
