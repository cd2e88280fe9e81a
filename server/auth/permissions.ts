// The one place that says which role may do what. Every route, loader,
// action and socket asks `can(role, action)`.
import type { Role } from '../../db/schema';

const ALL: readonly Role[] = ['owner', 'admin', 'developer', 'viewer'];
const EDITORS: readonly Role[] = ['owner', 'admin', 'developer'];
const ADMINS: readonly Role[] = ['owner', 'admin'];

export const PERMISSIONS = {
  'team:read': ALL,
  'project:read': ALL,
  'project:create': EDITORS,
  'project:update': EDITORS,
  'project:delete': ADMINS,
  'environment:read': ALL,
  'environment:create': EDITORS,
  'environment:delete': EDITORS,
  'canvas:edit': EDITORS,
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof PERMISSIONS;

export function can(role: Role, action: Action): boolean {
  return (PERMISSIONS[action] as readonly Role[]).includes(role);
}
