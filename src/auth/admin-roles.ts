/**
 * Roles of the admin API, least to most trusted. Each includes everything below it: a viewer
 * reads; an operator also pauses, resumes, reconnects, kills, disables hosts and runs
 * discovery; an admin also reloads configuration and manages credentials.
 */
export const ADMIN_ROLES = ['viewer', 'operator', 'admin'] as const;
export type AdminRole = typeof ADMIN_ROLES[number];

/** What a route needs: a role, or nothing at all (probes, the status page's empty shell). */
export type RouteAccess = AdminRole | 'public';

export function roleAllows(have: AdminRole, need: AdminRole): boolean {
  return ADMIN_ROLES.indexOf(have) >= ADMIN_ROLES.indexOf(need);
}
