import assert from 'node:assert/strict';
import type { Patient, Task } from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { INVITATION_CODE } from '../access/grants/invitation-rule.ts';
import { seedDemoData } from './demo-data.ts';
import { startTestServer } from '../../test/support/test-server.ts';
import type { TestServer } from '../../test/support/test-server.ts';

/** The demo's invitations: one accepted (Noah), one pending (Liam), one expired (Ethan), all at Harbourside. */
describe('demo invitations', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await seedDemoData(server.repo, server.app.accounts, server.engine.blobs);
  });
  after(() => server?.close());

  it('seeds one invitation in each state the console shows', async () => {
    const page = await server.repo.search({ resourceType: 'Task', filters: [], sort: [], count: 50, total: 'none' });
    // Invitations only: the demo has other Tasks (a patient's proposed update, demo-updates.ts).
    const tasks = page.versions
      .map((v) => v.resource as Task)
      .filter((t) => t.code?.coding?.some((c) => c.code === INVITATION_CODE));
    const now = Date.now();
    const state = async (t: Task) => {
      const patient = await server.repo.read<Patient>('Patient', (t.for?.reference ?? '').split('/')[1] as string);
      const expired = Date.parse(t.restriction?.period?.end ?? '') <= now;
      return `${patient.name?.[0]?.given?.[0]}: ${t.status === 'completed' ? 'accepted' : expired ? 'expired' : 'pending'}`;
    };
    assert.deepEqual((await Promise.all(tasks.map(state))).sort(), [
      'Ethan: expired',
      'Liam: pending',
      'Noah: accepted',
    ]);
  });
});
