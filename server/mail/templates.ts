// Mail templates: plain functions returning { subject, html, text }. Every
// message is written once as a list of blocks, rendered both as simple HTML
// and as readable plain text, so the two never drift apart.
import type { Role } from '../../db/schema';

export type Message = { subject: string; html: string; text: string };

type Block = { p: string } | { action: { label: string; url: string } } | { note: string };

const ROLE_ARTICLE: Record<Role, string> = { owner: 'an owner', admin: 'an admin', developer: 'a developer', viewer: 'a viewer' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(subject: string, heading: string, blocks: Block[]): Message {
  const html = [
    '<!doctype html><html><body style="margin:0;padding:24px;background:#f7f7f8;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#17171c">',
    '<div style="max-width:520px;margin:0 auto;background:#ffffff;border:1px solid #e4e4e8;border-radius:10px;padding:28px">',
    '<div style="font-weight:700;font-size:15px;letter-spacing:-0.02em;margin-bottom:20px;color:#6d4aff">Containr</div>',
    `<h1 style="font-size:20px;line-height:1.3;margin:0 0 16px">${escapeHtml(heading)}</h1>`,
    ...blocks.map((b) => {
      if ('p' in b) return `<p style="font-size:14px;line-height:1.55;margin:0 0 14px">${escapeHtml(b.p)}</p>`;
      if ('note' in b) return `<p style="font-size:12.5px;line-height:1.5;margin:18px 0 0;color:#8b8b98">${escapeHtml(b.note)}</p>`;
      const url = escapeHtml(b.action.url);
      return (
        `<p style="margin:20px 0"><a href="${url}" style="display:inline-block;background:#6d4aff;color:#ffffff;text-decoration:none;font-weight:600;font-size:14px;padding:10px 18px;border-radius:7px">${escapeHtml(b.action.label)}</a></p>` +
        `<p style="font-size:12.5px;line-height:1.5;margin:0 0 14px;color:#5d5d6b;word-break:break-all">Or open this link: <a href="${url}" style="color:#6d4aff">${url}</a></p>`
      );
    }),
    '</div></body></html>',
  ].join('\n');
  const text = [
    heading,
    '',
    ...blocks.flatMap((b) => ('p' in b ? [b.p, ''] : 'note' in b ? ['--', b.note, ''] : [`${b.action.label}: ${b.action.url}`, ''])),
  ]
    .join('\n')
    .trimEnd()
    .concat('\n');
  return { subject, html, text };
}

const when = (date: Date) =>
  date.toLocaleString('en', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });

export function inviteMail(input: { teamName: string; inviterName: string; role: Role; url: string; expiresAt: Date }): Message {
  return render(`${input.inviterName} invited you to ${input.teamName} on Containr`, `Join ${input.teamName} on Containr`, [
    { p: `${input.inviterName} invited you to join ${input.teamName} as ${ROLE_ARTICLE[input.role]}.` },
    { action: { label: 'Accept the invitation', url: input.url } },
    { note: `The link works once and expires on ${when(input.expiresAt)}. If you did not expect this invitation, ignore this message.` },
  ]);
}

export function verifyEmailMail(input: { name: string; url: string }): Message {
  return render('Confirm your email address', 'Confirm your email address', [
    { p: `Hi ${input.name}, confirm that this is your address to finish setting up your Containr account.` },
    { action: { label: 'Confirm my address', url: input.url } },
    { note: 'The link expires in 24 hours. If you did not create an account, ignore this message.' },
  ]);
}

export function signupAttemptMail(input: { name: string; loginUrl: string; resetUrl: string }): Message {
  return render('Someone tried to sign up with your address', 'You already have an account', [
    { p: `Hi ${input.name}, someone (maybe you) tried to create a Containr account with this address, which already has one. No new account was created.` },
    { action: { label: 'Log in', url: input.loginUrl } },
    { p: `Forgot your password? Reset it here: ${input.resetUrl}` },
    { note: 'If this was not you, you can ignore this message: your account is unchanged.' },
  ]);
}

export function resetPasswordMail(input: { name: string; url: string }): Message {
  return render('Reset your Containr password', 'Reset your password', [
    { p: `Hi ${input.name}, we received a request to reset the password of your Containr account.` },
    { action: { label: 'Choose a new password', url: input.url } },
    { note: 'The link works once and expires in 1 hour. Resetting signs you out everywhere. If you did not ask for this, ignore this message.' },
  ]);
}

export function changeEmailMail(input: { name: string; url: string; newEmail: string }): Message {
  return render('Confirm your new email address', 'Confirm your new address', [
    { p: `Hi ${input.name}, confirm that ${input.newEmail} should become the address of your Containr account.` },
    { action: { label: 'Confirm the new address', url: input.url } },
    { note: 'The link expires in 24 hours. Until you confirm, your account keeps its current address.' },
  ]);
}

export function emailChangedMail(input: { name: string; newEmail: string }): Message {
  return render('Your Containr address was changed', 'Your address was changed', [
    { p: `Hi ${input.name}, your Containr account now uses ${input.newEmail}. Mail about your account goes there from now on.` },
    { note: 'If you did not make this change, reset your password and contact your Containr administrator.' },
  ]);
}

export function passwordChangedMail(input: { name: string }): Message {
  return render('Your Containr password was changed', 'Your password was changed', [
    { p: `Hi ${input.name}, the password of your Containr account was just reset, and every session was signed out.` },
    { note: 'If you did not do this, reset your password again right away and contact your Containr administrator.' },
  ]);
}

export function previewExpiredMail(input: { name: string; environmentName: string; projectName: string; expiredAt: Date; url: string }): Message {
  return render(
    `Preview ${input.environmentName} of ${input.projectName} was deleted`,
    `Your preview ${input.environmentName} has expired`,
    [
      { p: `Hi ${input.name}, the preview environment ${input.environmentName} of ${input.projectName} reached its expiry (${when(input.expiredAt)}). Its containers, network and volumes were removed, and its share links stopped working.` },
      { action: { label: 'Open the project', url: input.url } },
      { note: 'To keep a preview longer next time, extend it from the banner on its canvas before it expires.' },
    ],
  );
}
