// Account mail flows over the API: address verification, password reset and
// change of address. Answers about an address never say whether it has an account.
import { Router } from 'express';
import { z } from 'zod';
import { actorOf, type Services } from '../services';
import { clientIp, requireViewer } from './context';
import { parse } from './errors';
import { h } from './handler';
import { email, linkToken, password } from './schemas';

export const RESET_MESSAGE = 'If an account uses this address, we sent it a link to reset the password. The link expires in 1 hour.';
export const EMAIL_CHANGE_MESSAGE = 'We sent a link to the new address. Your address changes when you open it.';

const tokenBody = z.object({ token: linkToken });
// Not `email`: a malformed address gets the same answer as an unknown one.
const resetBody = z.object({ email: z.string().trim().min(1, 'enter your email').max(254) });
const confirmBody = z.object({ token: linkToken, password });
const emailChangeBody = z.object({ email, password: z.string().min(1, 'enter your current password').max(256) });

export function accountApi(services: Services): Router {
  const { account, audit } = services;
  const api = Router();

  api.get(
    '/account',
    h((req) => {
      const viewer = requireViewer(req);
      return { account: account.profile(viewer.user.id), activity: audit.forUser(viewer.user.id, 20) };
    }),
  );
  api.post('/auth/verify', h((req) => account.confirmEmail(parse(tokenBody, req.body).token, clientIp(req))));
  api.post('/auth/verify/resend', h((req) => account.resendVerification(actorOf(requireViewer(req)))));
  api.post(
    '/auth/reset',
    h((req, res) => {
      account.requestReset(parse(resetBody, req.body).email, clientIp(req));
      res.status(202);
      return { message: RESET_MESSAGE };
    }),
  );
  api.post(
    '/auth/reset/confirm',
    h(async (req) => {
      const { token, password } = parse(confirmBody, req.body);
      await account.confirmReset(token, password, clientIp(req));
      return { message: 'Your password was changed. Log in with the new one.' };
    }),
  );
  api.post(
    '/auth/email',
    h(async (req, res) => {
      await account.requestEmailChange(actorOf(requireViewer(req)), parse(emailChangeBody, req.body));
      res.status(202);
      return { message: EMAIL_CHANGE_MESSAGE };
    }),
  );

  return api;
}
