import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { createMailer } from './mailer.ts';
import { mailText, startTestSmtpServer } from '../../test/support/test-smtp-server.ts';
import type { TestSmtpServer } from '../../test/support/test-smtp-server.ts';

/** A pino logger whose lines are kept as parsed objects. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('mailer', () => {
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await startTestSmtpServer();
  });
  after(() => smtp.close());

  it('sends through the configured SMTP relay, from MAIL_FROM', async () => {
    const { logger, lines } = capturingLogger();
    const mailer = createMailer({
      mail: { smtpUrl: smtp.url, from: 'Clinic <clinic@example.org>' },
      production: true,
      logger,
    });
    try {
      await mailer.send({
        to: 'ann@example.org',
        subject: 'Hello',
        text: 'A line with a link https://portal.example.org/auth/reset-password?token=abc',
      });
      const mail = await smtp.nextMail();
      assert.equal(mail.from, 'clinic@example.org');
      assert.deepEqual(mail.to, ['ann@example.org']);
      assert.match(mail.raw, /^Subject: Hello$/m);
      assert.match(mailText(mail.raw), /https:\/\/portal\.example\.org\/auth\/reset-password\?token=abc/);
      assert.equal(lines.length, 0, 'nothing about the message is logged when it is really sent');
    } finally {
      mailer.close();
    }
  });

  it('without a relay outside production, logs a loud warning with the message instead of sending it', async () => {
    const { logger, lines } = capturingLogger();
    const before = smtp.received.length;
    const mailer = createMailer({ mail: { from: 'no-reply@localhost' }, production: false, logger });
    await mailer.send({
      to: 'dev@example.org',
      subject: 'Reset',
      text: 'Open http://localhost:8080/auth/reset-password?token=xyz',
    });
    mailer.close();
    assert.equal(lines.length, 2);
    assert.equal(lines[0]?.level, 40, 'a warning at creation');
    assert.match(String(lines[0]?.msg), /SMTP_URL is not set/);
    assert.equal(lines[1]?.level, 40);
    assert.match(String(lines[1]?.msg), /DEVELOPMENT ONLY/);
    assert.match(JSON.stringify(lines[1]?.mail), /reset-password\?token=xyz/, 'the developer can follow the link');
    assert.equal(smtp.received.length, before, 'nothing reached any SMTP server');
  });

  it('refuses to run without a relay in production', () => {
    const { logger } = capturingLogger();
    assert.throws(() => createMailer({ mail: { from: 'a@example.org' }, production: true, logger }), /needs SMTP_URL/);
  });
});
