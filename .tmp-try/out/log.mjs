import { createLogger } from './log.js';
const log = createLogger({ level: 'info' });
log.info({ password: 'a', user: { password: 'b', name: 'n' }, deep: { x: { password: 'c' } }, config: { sources: { bench: { users: [{ name: 'u', password: 'd', server_password: 'e' }] } } }, headers: { authorization: 'f' } }, 'hello');
const p = createLogger({ level: 'info', pretty: true });
p.info({ password: 'a', users: [{ password: 'z' }] }, 'pretty');
