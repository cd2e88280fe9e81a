// Audit actions after which someone may have lost (or gained) access: open
// sockets (/sync, /live) check their credentials and roles again when one is
// recorded, so a removed member, a demoted editor, a revoked token or a
// project restricted to others stops reading and writing at once, not at the
// next reconnect. Every mutation writes the audit log, which makes it the one
// place to hear about them.
export const ACCESS_CHANGING_ACTIONS: ReadonlySet<string> = new Set([
  'member.role_change',
  'member.remove',
  'member.leave',
  'team.transfer',
  'team.delete',
  'project.access_update',
  'project.delete',
  'environment.delete',
  'token.revoke',
  'auth.logout',
  'auth.password_reset',
]);

export const changesAccess = (action: string): boolean => ACCESS_CHANGING_ACTIONS.has(action);
