/** The admin read model the console shows; the Gateway provides it (ConsoleLink). */
import type { Inventory } from '../../../admin/inventory-types.js';
import type { PgProxyContext } from '../context.js';
import { SQLSTATE } from '../../../wire/postgres/sqlstate.js';
import { ConsoleError } from './control.js';

export function inventoryOf(ctx: PgProxyContext): Inventory {
  if (ctx.console === undefined) throw new ConsoleError(SQLSTATE.FeatureNotSupported, 'no read model is attached to this proxy');
  return ctx.console.inventory();
}
