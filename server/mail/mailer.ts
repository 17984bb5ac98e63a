import { createTransport } from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';

/**
 * Outgoing e-mail (password-reset links, for now). One Mailer per process, created from the
 * configuration and passed to whoever sends mail.
 *
 * - With `SMTP_URL`, messages go to that relay (smtps:// for implicit TLS; smtp:// upgrades with
 *   STARTTLS when the relay offers it).
 * - Without it (allowed outside production only, config.ts refuses it in production) nothing is
 *   sent: each message, links included, is written to the log as a warning, so that a developer can
 *   follow a reset link without running a mail server. That must never happen in production, where
 *   the log is not a place for sign-in secrets.
 */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export interface MailerDeps {
  mail: Config['mail'];
  production: boolean;
  logger: Pick<Logger, 'warn' | 'info'>;
}

export function createMailer({ mail, production, logger }: MailerDeps): Mailer {
  if (mail.smtpUrl) return smtpMailer(mail.smtpUrl, mail.from);
  if (production)
    throw new Error('A production server needs SMTP_URL: e-mail would otherwise be logged instead of sent');
  logger.warn('!!! SMTP_URL is not set: e-mails are NOT sent, they are written to this log (development only) !!!');
  return logOnlyMailer(mail.from, logger);
}

function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport: Transporter = createTransport(smtpUrl);
  return {
    async send(message) {
      await transport.sendMail({ from, ...message });
    },
    close: () => transport.close(),
  };
}

function logOnlyMailer(from: string, logger: Pick<Logger, 'warn'>): Mailer {
  // The JSON transport still builds the message (addresses are checked the same way), it just never sends it.
  const transport: Transporter = createTransport({ jsonTransport: true });
  return {
    async send(message) {
      await transport.sendMail({ from, ...message });
      logger.warn(
        { mail: { to: message.to, subject: message.subject, text: message.text } },
        '!!! DEVELOPMENT ONLY: e-mail NOT sent (no SMTP_URL); its content, links included, follows !!!',
      );
    },
    close: () => transport.close(),
  };
}
