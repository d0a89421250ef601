/**
 * SHOW CLIENTS and SHOW SERVERS: PgBouncer 1.18's eighteen columns. `ptr` and `link` are
 * stable ids ("0xc…" for clients, "0x5…" for servers; "0xd…" and "0x6…" for Redis, "0xe…" and
 * "0x7…" for MySQL, whose ids are counted apart) so tools can pair a client with its server. Redis rows show the source's
 * own listener as local address, CLIENT SETNAME as application_name and the server's CLIENT
 * ID as remote_pid and its kind (shared, dedicated, subscriber) as a server's
 * application_name; a shared Redis connection links to no one client.
 */
import type { ClientView, ServerView } from '../../../admin/inventory-types.js';
import type { ListenAddress } from '../../../config/types.js';
import { type ResultSet, cols, formatTime } from './result.js';

const COLUMNS = cols('type', 'user', 'database', 'state', 'addr', 'port:int4', 'local_addr', 'local_port:int4',
  'connect_time', 'request_time', 'wait:int4', 'wait_us:int4', 'close_needed:int4', 'ptr', 'link', 'remote_pid:int4', 'tls', 'application_name');

const hex = (id: number) => id.toString(16).padStart(8, '0');
const CLIENT_PREFIX: Record<string, string> = { redis: '0xd', mysql: '0xe' };
const SERVER_PREFIX: Record<string, string> = { redis: '0x6', mysql: '0x7' };
const clientPtr = (id: number, protocol = '') => `${CLIENT_PREFIX[protocol] ?? '0xc'}${hex(id)}`;
const serverPtr = (id: number, protocol = '') => `${SERVER_PREFIX[protocol] ?? '0x5'}${hex(id)}`;

export function showClients(clients: ClientView[], listen: ListenAddress): ResultSet {
  const rows = clients.map((c) => {
    const connected = formatTime(c.connectedAt);
    const state = c.state === 'idle' ? 'active' : c.state;
    return ['C', c.user, c.source, state, c.addr, c.port, c.localAddr ?? listen.host, c.localPort ?? listen.port, connected, connected, 0, 0, 0,
      clientPtr(c.id, c.protocol), c.serverId === null ? '' : serverPtr(c.serverId, c.protocol), 0, c.tls ?? '', c.applicationName];
  });
  return { columns: COLUMNS, rows };
}

export function showServers(servers: ServerView[]): ResultSet {
  const rows = servers.map((s) => {
    const [addr, port] = splitHostKey(s.host);
    const connected = formatTime(s.connectedAt);
    return ['S', s.user, s.source, s.state, addr, port, '', 0, connected, connected, 0, 0, 0,
      serverPtr(s.id, s.protocol), s.clientId === null ? '' : clientPtr(s.clientId, s.protocol), s.backendPid, s.tls ?? '', s.kind ?? ''];
  });
  return { columns: COLUMNS, rows };
}

/** "host:port" or "[v6]:port" → [host, port]. */
function splitHostKey(key: string): [string, number] {
  const i = key.lastIndexOf(':');
  if (i < 0) return [key, 0];
  return [key.slice(0, i).replace(/^\[(.*)\]$/, '$1'), Number(key.slice(i + 1)) || 0];
}
