/**
 * One issue shape for everything that can be wrong with a node: schema failures on read,
 * graph rules at commit, unresolved references at deploy. The API returns these as
 * `issues` and the canvas marks `serviceId` at `path`.
 */
export interface Issue {
  serviceId: string;
  /** Dot path inside the node, e.g. `name`, `ports.0.port`, `variables.DATABASE_URL`. */
  path: string;
  message: string;
}

interface ZodLikeIssue {
  path: readonly PropertyKey[];
  message: string;
}

export function issuesFromZod(serviceId: string, issues: readonly ZodLikeIssue[]): Issue[] {
  return issues.map((issue) => ({
    serviceId,
    path: issue.path.map((part) => String(part)).join('.'),
    message: issue.message,
  }));
}
