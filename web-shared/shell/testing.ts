// Test support for specs only (`@web-shared/shell/testing`; nothing in the apps' code imports this file).

/**
 * Checks that the frame's toolbar inside `host` (a fixture's element, given a phone's width by the
 * spec) fits: nothing scrolls sideways and every link, button and the user's name stays on the
 * toolbar's coloured background instead of running past its right or bottom edge.
 */
export function expectToolbarFits(host: HTMLElement): void {
  const toolbar = host.querySelector('mat-toolbar') as HTMLElement;
  expect(toolbar.scrollWidth).toBeLessThanOrEqual(toolbar.clientWidth);
  const edge = toolbar.getBoundingClientRect();
  for (const item of Array.from(toolbar.querySelectorAll<HTMLElement>('a, button, .user'))) {
    const box = item.getBoundingClientRect();
    expect(box.right)
      .withContext(item.textContent ?? '')
      .toBeLessThanOrEqual(edge.right + 0.5);
    expect(box.bottom)
      .withContext(item.textContent ?? '')
      .toBeLessThanOrEqual(edge.bottom + 0.5);
  }
}

/** Gives the fixture's element a phone's width (390 px, an iPhone 12–15) before it renders. */
export function atPhoneWidth(host: HTMLElement): HTMLElement {
  host.style.display = 'block';
  host.style.width = '390px';
  return host;
}

/** The links of the frame's main navigation inside `host`, as `text → href` in page order. */
export function mainNavLinks(host: HTMLElement): [text: string, href: string | null][] {
  return Array.from(host.querySelectorAll<HTMLAnchorElement>('header nav[aria-label="Main"] a')).map((a) => [
    a.textContent?.trim() ?? '',
    a.getAttribute('href'),
  ]);
}
