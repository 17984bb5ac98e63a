/** The text of an invitation e-mail: who invites, the single-use link, how long it works. */
export function invitationMail(link: string, practiceName: string | undefined, days: number): string {
  return [
    'Hello,',
    '',
    `${practiceName ?? 'Your practice'} invites you to its patient portal, where you can see your record.`,
    `To accept, open this link within ${days} days (it works once):`,
    '',
    link,
    '',
    'If you already have a portal account (for example from another practice), sign in with it on that page:',
    'one account then shows every practice that invited you.',
    'If you did not expect this e-mail, ignore it: nothing happens unless the link is used.',
  ].join('\n');
}
