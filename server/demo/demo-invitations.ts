import type { Patient, Task } from '@medplum/fhirtypes';
import { OWNER_SYSTEM, ownerOf } from '../access/access-index.ts';
import { INVITATION_CODE, PORTAL_TASKS_SYSTEM } from '../access/grants/invitation-rule.ts';
import { parseSearch } from '../fhir/search/parse-search.ts';
import type { Repository } from '../storage/repository.ts';

/**
 * The demo's portal invitations at Harbourside (decision 0029), one in each state the console shows:
 * Noah's accepted (he has a portal account), Liam's pending (sent, not opened yet) and Ethan's
 * expired (opened, never accepted, past its 14 days). They are the Tasks `$invite` would have written; no link token exists for them (the
 * pending one's link was "lost": Resend makes a new one). Jack Taylor has none, for a first invitation.
 */
const DAY_MS = 86_400_000;

export async function seedDemoInvitations(repo: Repository, demoSystem: string, now = Date.now()): Promise<number> {
  const byIndex = async (index: number) => {
    const { request } = parseSearch(
      'Patient',
      { identifier: `${demoSystem}|patient-${index}` },
      { defaultCount: 1, maxCount: 1, maxOrValues: 1, baseUrl: 'urn:demo', strict: true },
    );
    return (await repo.search(request)).versions[0]?.resource as Patient | undefined;
  };
  const states: Array<{ index: number; status: Task['status']; business: string; sentDaysAgo: number }> = [
    { index: 2, status: 'completed', business: 'accepted', sentDaysAgo: 30 },
    { index: 4, status: 'requested', business: 'sent', sentDaysAgo: 2 },
    { index: 6, status: 'requested', business: 'opened', sentDaysAgo: 20 },
  ];
  let written = 0;
  for (const { index, status, business, sentDaysAgo } of states) {
    const patient = await byIndex(index);
    const practiceId = ownerOf(patient);
    if (!patient || !practiceId) continue;
    const sent = now - sentDaysAgo * DAY_MS;
    await repo.create<Task>({
      resourceType: 'Task',
      meta: { tag: [{ system: OWNER_SYSTEM, code: practiceId }] },
      status,
      intent: 'proposal',
      code: { coding: [{ system: PORTAL_TASKS_SYSTEM, code: INVITATION_CODE, display: 'Portal invitation' }] },
      businessStatus: { coding: [{ system: PORTAL_TASKS_SYSTEM, code: business }] },
      for: { reference: `Patient/${patient.id as string}` },
      owner: { reference: `Organization/${practiceId}` },
      requester: { reference: `Organization/${practiceId}` },
      authoredOn: new Date(sent).toISOString(),
      lastModified: new Date(status === 'completed' ? sent + DAY_MS : sent).toISOString(),
      restriction: { period: { end: new Date(sent + 14 * DAY_MS).toISOString() } },
      input: [
        { type: { text: 'email' }, valueString: patient.telecom?.find((t) => t.system === 'email')?.value ?? '' },
      ],
    });
    written++;
  }
  return written;
}
