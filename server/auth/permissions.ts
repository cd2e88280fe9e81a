// The one place that says which role may do what. Every route, loader,
// action and socket asks `can(role, action)`.
import type { Role } from '../../db/schema';

const ALL: readonly Role[] = ['owner', 'admin', 'developer', 'viewer'];
const EDITORS: readonly Role[] = ['owner', 'admin', 'developer'];
const ADMINS: readonly Role[] = ['owner', 'admin'];
const OWNERS: readonly Role[] = ['owner'];

export const PERMISSIONS = {
  'team:read': ALL,
  'team:update': ADMINS,
  'team:delete': OWNERS,
  'team:transfer': OWNERS,
  'member:read': ALL,
  'member:invite': ADMINS,
  'member:update-role': ADMINS,
  'member:remove': ADMINS,
  // Changing an owner's role, removing an owner, inviting or promoting to owner.
  'member:manage-owners': OWNERS,
  // See projects restricted to other members (project_members), and set those restrictions.
  'project:read-all': ADMINS,
  'project:manage-access': ADMINS,
  'audit:read': ALL,
  // Client addresses in audit entries.
  'audit:read-ip': ADMINS,
  'project:read': ALL,
  'project:create': EDITORS,
  'project:update': EDITORS,
  'project:delete': ADMINS,
  'environment:read': ALL,
  'environment:create': EDITORS,
  'environment:delete': EDITORS,
  // Rename, extend a preview's TTL, set image overrides (renaming to or from production: secret:write-production).
  'environment:update': EDITORS,
  // Create, list and revoke read-only share links of an environment.
  'share:manage': EDITORS,
  'canvas:edit': EDITORS,
  // Commit, deploy, roll back, redeploy and cancel.
  deploy: EDITORS,
  // Secret names (values never leave the server). Developers manage the secrets
  // of other environments; production's are for admins.
  'secret:read': EDITORS,
  'secret:write': EDITORS,
  'secret:write-production': ADMINS,
  // Alert rules, channels, alerts and webhook deliveries; changing rules and channels; acknowledging.
  'alert:read': ALL,
  'alert:manage': EDITORS,
  'alert:acknowledge': EDITORS,
  'node:read': ALL,
  'node:manage': ADMINS,
  // Create, rotate and delete a project's git webhook secret (webhooks then act with the creator's rights).
  'webhook:manage': ADMINS,
  // The webhook's URLs and its delivery log.
  'webhook:read': EDITORS,
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof PERMISSIONS;

export function can(role: Role, action: Action): boolean {
  return (PERMISSIONS[action] as readonly Role[]).includes(role);
}
