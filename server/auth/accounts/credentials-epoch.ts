import type { Account } from './account.ts';

/**
 * The credentials epoch (decision 0011): every password change stores on the account record the
 * instant from which its sessions, authorization codes, access and refresh tokens count
 * (`sessionsValidAfter`, epoch seconds). Whatever was issued before is refused where it is presented:
 * the FHIR API's bearer check, the token endpoint (codes and refresh tokens, through the provider's
 * `findAccount`), and the sign-in session (a login prompt). The record lives in the shared store, so
 * every server process sees a change at its next lookup; nothing is kept in memory.
 *
 * The instants compared are oidc-provider's `iat`, `iiat`, `authTime` and session `loginTs`: whole
 * seconds of the real clock (`Date.now()`), so the epoch is read from that clock too, never from an
 * injected test clock.
 */

/**
 * The epoch a change at `nowMs` sets: the next whole second. Something issued in the same second as
 * the change, before or after it, cannot be told apart by its `iat`; refusing that second is the safe
 * side (an attacker refreshing in a tight loop would otherwise keep a token minted just before).
 */
export function epochAfter(nowMs: number): number {
  return Math.floor(nowMs / 1000) + 1;
}

/**
 * Whether something issued at these instants (epoch seconds; absent ones are skipped) predates the
 * account's last password change. With an epoch and no instant at all, it fails closed.
 */
export function issuedBeforeEpoch(account: Pick<Account, 'sessionsValidAfter'>, ...issuedAt: unknown[]): boolean {
  const validAfter = account.sessionsValidAfter;
  if (validAfter === undefined) return false;
  const instants = issuedAt.filter((t): t is number => typeof t === 'number' && Number.isFinite(t));
  return instants.length === 0 || instants.some((t) => t < validAfter);
}

/**
 * Resolves once the epoch's second has begun (at most a second), so that a sign-in after the change
 * is answered never shares a second with the sessions and tokens it ended and is not refused with them.
 */
export function untilEpoch(epochSeconds: number, now: () => number = Date.now): Promise<void> {
  const wait = epochSeconds * 1000 - now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}
