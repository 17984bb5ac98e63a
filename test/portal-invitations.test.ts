import assert from 'node:assert/strict';
import type { Organization, Patient, Person, Task } from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { PATIENT_INVITATIONS_URL } from '../server/access/practice-settings.ts';
import { OWNER_SYSTEM } from '../server/access/access-index.ts';
import { mailText, startTestSmtpServer } from './support/test-smtp-server.ts';
import type { TestSmtpServer } from './support/test-smtp-server.ts';
import { registerTestApp, userTokens } from './support/user-tokens.ts';
import { buildWorld, fhirFetch } from './escalation/world.ts';
import type { World, Who } from './escalation/world.ts';

/**
 * Portal invitations (issue #13, decision 0029) over real HTTP on loopback, the e-mail captured by a
 * real SMTP server: invite → e-mail → the link's page → a new account → that account's token reads
 * the Patient; a second practice's invitation accepted with the same account → one login sees both;
 * hostile links (reused, tampered, revoked, resent, expired) all get the same page and change
 * nothing; the page's answers do not tell whether an e-mail has an account; invitations off, no
 * e-mail, another practice's patient: refused with an OperationOutcome; the flood limit.
 */
const NEW_PASSWORD = 'lantern orchard violet compass';

describe('portal invitations (decision 0029)', () => {
  let smtp: TestSmtpServer;
  let w: World;
  let app: { clientId: string; redirectUri: string };

  const enable = async (practiceId: string, on: boolean) => {
    const org = await w.server.repo.read<Organization>('Organization', practiceId);
    const others = (org.extension ?? []).filter((e) => e.url !== PATIENT_INVITATIONS_URL);
    await w.server.repo.update({ ...org, extension: [...others, { url: PATIENT_INVITATIONS_URL, valueBoolean: on }] });
  };
  const patient = (practiceId: string, email?: string) =>
    w.save<Patient>(
      {
        resourceType: 'Patient',
        name: [{ family: 'Invitee', given: ['Ina'] }],
        ...(email ? { telecom: [{ system: 'email', value: email }] } : {}),
      },
      practiceId,
    );
  const invite = (who: Who, patientId: string, op = '$invite') =>
    fhirFetch(`${w.server.fhirUrl}/Patient/${patientId}/${op}`, { method: 'POST', headers: w.as(who).headers });
  /** Invites, and returns the link of the e-mail that follows. */
  const invited = async (who: Who, patientId: string, to: string) => {
    const res = await invite(who, patientId);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const mail = await smtp.nextMail();
    assert.deepEqual(mail.to, [to]);
    const link = /(http\S+\/auth\/invitation\?token=[A-Za-z0-9_-]+)/.exec(mailText(mail.raw))?.[1];
    assert.ok(link, mailText(mail.raw));
    return { task: res.body as Task, link, token: new URL(link).searchParams.get('token') as string };
  };
  const answer = async (token: string, choice: 'new' | 'existing', password: string) => {
    const res = await fetch(`${w.server.baseUrl}/auth/invitation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, choice, password, confirm: password }).toString(),
    });
    return { status: res.status, text: await res.text() };
  };
  const task = (id: string) => w.server.repo.read<Task>('Task', id);
  const tokenOf = async (email: string, password: string) =>
    (await userTokens(w.server, { email, password }, { ...app, scope: 'openid fhirUser user/*.rs' })).access_token;
  const readAs = (token: string, patientId: string) =>
    fhirFetch(`${w.server.fhirUrl}/Patient/${patientId}`, { headers: { authorization: `Bearer ${token}` } });

  before(async () => {
    smtp = await startTestSmtpServer();
    w = await buildWorld({ SMTP_URL: smtp.url });
    await enable(w.practiceX, true);
    await enable(w.practiceY, true);
    app = await registerTestApp(w.server, w.practiceX, 'openid fhirUser user/*.rs');
  });
  after(async () => {
    await w?.close();
    await smtp?.close();
  });

  it('invite → e-mail → new account → the portal token reads the Patient; the Task completes and the link is spent', async () => {
    const p = await patient(w.practiceX, 'Ina.New@example.org');
    const { task: sent, link, token } = await invited('pX', p.id, 'ina.new@example.org');
    assert.equal(sent.status, 'requested');
    assert.equal(sent.for?.reference, `Patient/${p.id}`);
    assert.equal(sent.owner?.reference, `Organization/${w.practiceX}`);
    const days = (Date.parse(sent.restriction?.period?.end ?? '') - Date.now()) / 86_400_000;
    assert.ok(days > 13.9 && days <= 14, String(days));
    assert.ok(!JSON.stringify(sent).includes(token), 'the Task holds no token');

    const page = await fetch(link);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /I'm new here/);
    assert.match(html, /I already have an account/);
    assert.equal((await task(sent.id as string)).businessStatus?.coding?.[0]?.code, 'opened');

    const done = await answer(token, 'new', NEW_PASSWORD);
    assert.equal(done.status, 200, done.text);
    const completed = await task(sent.id as string);
    assert.equal(completed.status, 'completed');
    assert.equal(completed.businessStatus?.coding?.[0]?.code, 'accepted');

    const access = await tokenOf('ina.new@example.org', NEW_PASSWORD);
    const read = await readAs(access, p.id);
    assert.equal(read.status, 200, JSON.stringify(read.body));

    // Spent: the same link, again, by either form, is the plain invalid page.
    const again = await fetch(link);
    assert.equal(again.status, 400);
    assert.match(await again.text(), /This invitation link is no longer valid/);
    assert.equal((await answer(token, 'existing', NEW_PASSWORD)).status, 400);
  });

  it("an existing account accepts a second practice's invitation: one login sees both practices", async () => {
    const x = await patient(w.practiceX, 'two.practices@example.org');
    const first = await invited('pX', x.id, 'two.practices@example.org');
    assert.equal((await answer(first.token, 'new', NEW_PASSWORD)).status, 200);
    const y = await patient(w.practiceY, 'two.practices@example.org');
    const second = await invited('adminY', y.id, 'two.practices@example.org');
    const wrong = await answer(second.token, 'existing', 'not the password at all 42');
    assert.equal(wrong.status, 400);
    assert.equal((await task(second.task.id as string)).status, 'requested', 'a wrong password changes nothing');
    assert.equal((await answer(second.token, 'existing', NEW_PASSWORD)).status, 200);
    const access = await tokenOf('two.practices@example.org', NEW_PASSWORD);
    assert.equal((await readAs(access, x.id)).status, 200);
    assert.equal((await readAs(access, y.id)).status, 200);
    const account = await w.server.app.accounts.findByEmail('two.practices@example.org');
    const person = await w.server.repo.read<Person>('Person', (account?.fhirUser ?? '').split('/')[1] as string);
    assert.deepEqual(
      person.link?.map((l) => l.target?.reference).sort(),
      [`Patient/${x.id}`, `Patient/${y.id}`].sort(),
    );
  });

  it('hostile links: reused, tampered, revoked, resent, expired and unknown all get the same page, nothing changed', async () => {
    const p = await patient(w.practiceX, 'hostile@example.org');
    const revoked = await invited('pX', p.id, 'hostile@example.org');
    const resent = await invited('pX', p.id, 'hostile@example.org');
    assert.equal((await task(revoked.task.id as string)).status, 'cancelled', 'resend cancels the previous invitation');
    const uninvite = await invite('pX', p.id, '$uninvite');
    assert.equal(uninvite.status, 200, JSON.stringify(uninvite.body));
    assert.equal((await task(resent.task.id as string)).status, 'cancelled');
    const current = await invited('pX', p.id, 'hostile@example.org');
    const tampered = current.token.slice(0, -1) + (current.token.endsWith('A') ? 'B' : 'A');
    // Expired: the Task's end moved into the past by the server (as time would).
    const expired = await invited('pX', (await patient(w.practiceX, 'expired@example.org')).id, 'expired@example.org');
    const t = await task(expired.task.id as string);
    await w.server.repo.update<Task>({ ...t, restriction: { period: { end: '2020-01-01T00:00:00Z' } } });
    // Another practice's: the patient's record moved to practice Y after X invited them.
    const moved = await patient(w.practiceX, 'moved@example.org');
    const movedLink = await invited('pX', moved.id, 'moved@example.org');
    const movedRecord = await w.server.repo.read<Patient>('Patient', moved.id);
    await w.server.repo.update<Patient>({
      ...movedRecord,
      meta: { tag: [{ system: OWNER_SYSTEM, code: w.practiceY }] },
    });
    const pages = new Set<string>();
    const hostile = [revoked.token, resent.token, tampered, expired.token, movedLink.token, 'x'.repeat(43), 'short'];
    for (const token of hostile) {
      const res = await fetch(`${w.server.baseUrl}/auth/invitation?token=${encodeURIComponent(token)}`);
      assert.equal(res.status, 400);
      pages.add(await res.text());
      const posted = await answer(token, 'new', NEW_PASSWORD);
      assert.equal(posted.status, 400);
      pages.add(posted.text);
    }
    assert.equal(pages.size, 1, 'one and the same page for every invalid link');
    assert.match([...pages][0] as string, /This invitation link is no longer valid/);
    assert.equal(await w.server.app.accounts.findByEmail('hostile@example.org'), undefined, 'no account was made');
    assert.equal(await w.server.app.accounts.findByEmail('moved@example.org'), undefined);
    assert.equal((await task(current.task.id as string)).status, 'requested');
  });

  it('enumeration: the link page and a wrong answer read the same whether or not the e-mail has an account', async () => {
    const withAccount = await patient(w.practiceX, 'a@example.org');
    const without = await patient(w.practiceX, 'nobody.yet@example.org');
    const a = await invited('pX', withAccount.id, 'a@example.org');
    const b = await invited('pX', without.id, 'nobody.yet@example.org');
    const strip = (text: string) =>
      text
        .replaceAll(a.token, 'T')
        .replaceAll(b.token, 'T')
        .replace('a@example.org', 'E')
        .replace('nobody.yet@example.org', 'E');
    const pageA = await (await fetch(a.link)).text();
    const pageB = await (await fetch(b.link)).text();
    assert.equal(strip(pageA), strip(pageB));
    const wrongA = await answer(a.token, 'existing', 'a wrong password for sure');
    const wrongB = await answer(b.token, 'existing', 'a wrong password for sure');
    assert.equal(wrongA.status, wrongB.status);
    assert.equal(strip(wrongA.text), strip(wrongB.text));
  });

  it("refused with an OperationOutcome: invitations off, no e-mail, another practice's patient, patients and read-only apps", async () => {
    const mailsBefore = smtp.received.length;
    const noMail = await patient(w.practiceX);
    const res = await invite('pX', noMail.id);
    assert.equal(res.status, 422);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.match(res.body.issue[0].details.text, /no e-mail/);
    const p = await patient(w.practiceX, 'off@example.org');
    await enable(w.practiceX, false);
    try {
      const off = await invite('pX', p.id);
      assert.equal(off.status, 422);
      assert.match(off.body.issue[0].details.text, /not enabled patient invitations/);
    } finally {
      await enable(w.practiceX, true);
    }
    assert.equal((await invite('adminY', p.id)).status, 404, "another practice's patient is not even seen");
    assert.equal((await invite('patientA', w.ref.A!.split('/')[1] as string)).status, 403);
    assert.equal((await invite('familyM', w.ref.C!.split('/')[1] as string)).status, 403);
    assert.equal((await invite('backendX', p.id)).status, 403);
    assert.equal((await invite('appAdminXRead', p.id)).status, 403);
    assert.equal(smtp.received.length, mailsBefore, 'no e-mail for a refused invitation');
  });

  it('invitation flood: the fifth e-mail to one patient in a day is the last; then 429', async () => {
    const p = await patient(w.practiceX, 'flood@example.org');
    for (let i = 0; i < 5; i++) await invited('pX', p.id, 'flood@example.org');
    const res = await invite('pX', p.id);
    assert.equal(res.status, 429);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.ok(res.headers.get('retry-after'));
  });

  it('the CapabilityStatement declares $invite and $uninvite on Patient', async () => {
    const cs = await fhirFetch(`${w.server.fhirUrl}/metadata`, { anonymous: true });
    const patientRest = cs.body.rest[0].resource.find((r: { type: string }) => r.type === 'Patient');
    const names = patientRest.operation.map((o: { name: string }) => o.name);
    assert.ok(names.includes('invite') && names.includes('uninvite'), names.join());
  });
});
