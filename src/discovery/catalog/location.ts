/**
 * What `discovery.catalog` names: a SQLite file path or a PostgreSQL URL. Kept apart from the
 * store so the logger can mask a catalog URL's password without loading the database drivers.
 */
const POSTGRES_URL = /^postgres(ql)?:\/\//;

export function isPostgresCatalog(location: string): boolean {
  return POSTGRES_URL.test(location);
}

/** The catalog location for logs and errors: a URL's password masked, a file path as it is. */
export function describeCatalog(location: string): string {
  if (!isPostgresCatalog(location)) return location;
  try {
    const url = new URL(location);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
