// The alert mail: readable as plain text, simple HTML, and the signed link
// that acknowledges without signing in.
import { escapeHtml } from '../mail/templates';
import type { Mail } from '../mail/mailer';

export type AlertMailInput = {
  to: string;
  reason: 'fired' | 'resolved' | 'escalated' | 'test';
  title: string;
  message: string;
  severity: string;
  where: string;
  firedAt: Date | null;
  resolvedAt: Date | null;
  alertUrl: string | null;
  ackUrl: string | null;
};

const when = (date: Date) => `${date.toISOString().replace('T', ' ').slice(0, 19)} UTC`;

const SUBJECT: Record<AlertMailInput['reason'], string> = {
  fired: 'Alert',
  escalated: 'Still firing, not acknowledged',
  resolved: 'Resolved',
  test: 'Test notification',
};

export function alertMail(input: AlertMailInput): Mail {
  const subject = `[${SUBJECT[input.reason]}] ${input.title}`;
  const lines: [string, string][] = [
    ['Where', input.where],
    ['Severity', input.severity],
    ...(input.firedAt ? ([['Fired', when(input.firedAt)]] as [string, string][]) : []),
    ...(input.resolvedAt ? ([['Resolved', when(input.resolvedAt)]] as [string, string][]) : []),
  ];
  const intro =
    input.reason === 'resolved'
      ? 'This alert has resolved.'
      : input.reason === 'escalated'
        ? 'This alert is still firing and nobody has acknowledged it yet.'
        : input.reason === 'test'
          ? 'This is a test of an alert channel: nothing is wrong.'
          : 'An alert rule fired.';
  const text = [
    input.title,
    '',
    intro,
    input.message,
    '',
    ...lines.map(([k, v]) => `${k}: ${v}`),
    '',
    ...(input.ackUrl ? [`Acknowledge: ${input.ackUrl}`] : []),
    ...(input.alertUrl ? [`Open in Containr: ${input.alertUrl}`] : []),
  ]
    .join('\n')
    .trimEnd()
    .concat('\n');
  const button = (label: string, url: string, primary: boolean) =>
    `<a href="${escapeHtml(url)}" style="display:inline-block;margin:0 8px 8px 0;${primary ? 'background:#d92d20;color:#fff' : 'background:#fff;color:#17171c;border:1px solid #d4d4da'};text-decoration:none;font-weight:600;font-size:14px;padding:9px 16px;border-radius:7px">${escapeHtml(label)}</a>`;
  const html = [
    '<!doctype html><html><body style="margin:0;padding:24px;background:#f7f7f8;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#17171c">',
    '<div style="max-width:560px;margin:0 auto;background:#fff;border:1px solid #e4e4e8;border-radius:10px;padding:28px">',
    '<div style="font-weight:700;font-size:15px;margin-bottom:18px;color:#6d4aff">Containr</div>',
    `<h1 style="font-size:19px;line-height:1.3;margin:0 0 12px">${escapeHtml(input.title)}</h1>`,
    `<p style="font-size:14px;line-height:1.55;margin:0 0 6px">${escapeHtml(intro)}</p>`,
    `<p style="font-size:14px;line-height:1.55;margin:0 0 14px">${escapeHtml(input.message)}</p>`,
    '<table style="font-size:13.5px;border-collapse:collapse;margin:0 0 18px">',
    ...lines.map(([k, v]) => `<tr><td style="color:#5d5d6b;padding:2px 14px 2px 0">${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
    '<p style="margin:0">',
    input.ackUrl ? button('Acknowledge', input.ackUrl, true) : '',
    input.alertUrl ? button('Open in Containr', input.alertUrl, !input.ackUrl) : '',
    '</p>',
    '</div></body></html>',
  ].join('\n');
  return { to: input.to, subject, html, text };
}
