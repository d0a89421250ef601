/** The MySQL/MariaDB wire layer: packet framing, handshake and auth packets, password math, response tracking, query classes. */
export * from './constants.js';
export * from './commands.js';
export * from './packet-framer.js';
export * from './sequence-id.js';
export * from './payload-reader.js';
export * from './packet-writer.js';
export * from './lenenc.js';
export * from './packets.js';
export * from './session-state.js';
export * from './handshake.js';
export * from './handshake-response.js';
export * from './auth-exchange.js';
export * from './change-user.js';
export * from './auth.js';
export * from './response-tracker.js';
export * from './query-classifier.js';
