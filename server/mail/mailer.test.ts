import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signUpAs, uniqueEmail } from '../teams/test-support';
import { client, startTestServer, waitFor, type TestServer } from '../test-utils';
import { escapeHtml, inviteMail } from './templates';

type Received = { method: string; path: string; headers: IncomingMessage['headers']; body: Record<string, unknown> };

/** A local HTTP server standing in for the Resend API: records requests, answers like Resend. */
function fakeResend() {
  const received: Received[] = [];
  let delayMs = 0;
  let fail = false;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} });
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        if (fail) {
          res.statusCode = 422;
          res.end(JSON.stringify({ statusCode: 422, name: 'validation_error', message: 'The from address is not verified' }));
        } else {
          res.end(JSON.stringify({ id: `re_${received.length}` }));
        }
      }, delayMs);
    });
  });
  return {
    received,
    setDelay: (ms: number) => (delayMs = ms),
    setFail: (value: boolean) => (fail = value),
    async listen() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('mail through the Resend SDK', () => {
  const resend = fakeResend();
  let server: TestServer;
  beforeAll(async () => {
    const baseUrl = await resend.listen();
    server = await startTestServer({
      env: { RESEND_API_KEY: 're_test_key_123', RESEND_BASE_URL: baseUrl, CONTAINR_MAIL_FROM: 'Containr <ops@containr.test>' },
    });
  });
  afterAll(async () => {
    await server.close();
    await resend.close();
  });
  afterEach(() => {
    resend.setDelay(0);
    resend.setFail(false);
  });

  it('POSTs /emails with the API key and to, from, subject, html and text', async () => {
    const owner = await signUpAs(server, uniqueEmail('owner'), 'Olga Owner');
    const teamId = (await owner.api('POST', '/api/teams', { name: 'Resend Team' })).body.team.id;
    const email = uniqueEmail('invitee');
    const res = await owner.api('POST', `/api/teams/${teamId}/invites`, { email, role: 'developer' });
    expect(res.status).toBe(201);
    expect(res.body.mailed).toBe(true);

    const request = await waitFor(() => resend.received.find((r) => (r.body.to as string[] | string)?.includes(email)));
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/emails');
    expect(request.headers.authorization).toBe('Bearer re_test_key_123');
    expect(request.headers['content-type']).toMatch(/application\/json/);
    expect(request.headers['idempotency-key']).toBeTruthy();
    expect(request.body).toMatchObject({
      from: 'Containr <ops@containr.test>',
      subject: 'Olga Owner invited you to Resend Team on Containr',
    });
    expect([request.body.to].flat()).toEqual([email]);
    expect(request.body.text).toMatch(new RegExp(`Accept the invitation: ${server.url}/invite/inv_[A-Za-z0-9_-]+`));
    expect(request.body.html).toContain('<a href="http://localhost:');
    // Nothing goes to the outbox when a provider is configured.
    expect(server.containr.services.mailer.list()).toEqual([]);
  });

  it('reports a refused send without losing the invitation', async () => {
    const owner = await signUpAs(server);
    const teamId = (await owner.api('POST', '/api/teams', { name: 'Failing' })).body.team.id;
    resend.setFail(true);
    const res = await owner.api('POST', `/api/teams/${teamId}/invites`, { email: uniqueEmail(), role: 'viewer' });
    expect(res.status).toBe(201);
    expect(res.body.mailed).toBe(false);
    expect((await owner.api('GET', `/api/teams/${teamId}/invites`)).body.invites).toHaveLength(1);
  });

  it('answers a reset request before the mail goes out, the same for an unknown address', async () => {
    const person = await signUpAs(server);
    // Sign-up's verification mail goes out first.
    await waitFor(() => resend.received.find((r) => [r.body.to].flat().includes(person.email)));
    resend.setDelay(1_500);
    const before = resend.received.length;
    const started = Date.now();
    const known = await client(server.url)('POST', '/api/auth/reset', { email: person.email });
    const knownMs = Date.now() - started;
    const unknown = await client(server.url)('POST', '/api/auth/reset', { email: uniqueEmail('nobody') });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(known.body).toEqual(unknown.body);
    // The provider takes 1.5 s; the answer did not wait for it.
    expect(knownMs).toBeLessThan(1_000);
    const mail = await waitFor(() => resend.received.slice(before).find((r) => [r.body.to].flat().includes(person.email)), 5_000);
    expect(mail.body.subject).toBe('Reset your Containr password');
    expect(resend.received.slice(before)).toHaveLength(1);
  });
});

describe('the outbox (no provider configured)', () => {
  let server: TestServer;
  const adminEmail = uniqueEmail('instance-admin');
  beforeAll(async () => {
    server = await startTestServer({ env: { CONTAINR_ADMIN_EMAILS: `someone@else.test, ${adminEmail.toUpperCase()}` } });
  });
  afterAll(() => server.close());

  it('stores mail, readable by the instance admin only', async () => {
    const first = await signUpAs(server);
    const admin = await signUpAs(server, adminEmail);
    // With CONTAINR_ADMIN_EMAILS set, being first does not make an admin.
    expect((await first.api('GET', '/api/outbox')).status).toBe(404);
    const list = await admin.api('GET', '/api/outbox');
    expect(list.status).toBe(200);
    expect(list.body.transport).toBe('outbox');
    const verify = list.body.mails.find((m: { to: string }) => m.to === first.email);
    expect(verify).toMatchObject({ subject: 'Confirm your email address', from: 'Containr <containr@localhost>' });
    const one = await admin.api('GET', `/api/outbox/${verify.id}`);
    expect(one.body.mail.html).toContain('<h1');
    expect(one.body.mail.text).toContain('Confirm my address: http://localhost:');
    expect((await admin.api('GET', '/api/outbox/nope')).status).toBe(404);
    expect((await client(server.url)('GET', '/api/outbox')).status).toBe(401);
  });
});

describe('templates', () => {
  it('escape what users typed in the HTML and keep the text readable', () => {
    const mail = inviteMail({
      teamName: '<script>alert(1)</script>',
      inviterName: 'Eve "Quotes"',
      role: 'admin',
      url: 'http://localhost:3000/invite/inv_abc',
      expiresAt: new Date('2030-01-02T03:04:00Z'),
    });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain(escapeHtml('<script>alert(1)</script>'));
    expect(mail.text).toContain('Eve "Quotes" invited you to join <script>alert(1)</script> as an admin.');
    expect(mail.text).toContain('Accept the invitation: http://localhost:3000/invite/inv_abc');
    expect(mail.text).toContain('Jan 2, 2030');
    expect(mail.subject).toBe('Eve "Quotes" invited you to <script>alert(1)</script> on Containr');
  });
});
