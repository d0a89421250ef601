/**
 * Numbers of the MySQL client/server protocol that more than one codec file needs: packet
 * header layout, capability flags (MySQL's 32 bits and MariaDB's extension word), server
 * status flags, and the first bytes that tell response packets apart.
 */

/** 3-byte little-endian payload length, then a 1-byte sequence id. */
export const HEADER_SIZE = 4;
/** A payload of this length is continued by the next packet (the 16 MB split). */
export const MAX_PACKET_PAYLOAD = 0xffffff;

// Capability flags, the low 32 bits both sides announce.
/** MySQL's CLIENT_LONG_PASSWORD; MariaDB reads it as CLIENT_MYSQL: clear means "speaks MariaDB's extension word". */
export const CLIENT_LONG_PASSWORD = 1;
export const CLIENT_FOUND_ROWS = 1 << 1;
export const CLIENT_LONG_FLAG = 1 << 2;
export const CLIENT_CONNECT_WITH_DB = 1 << 3;
export const CLIENT_NO_SCHEMA = 1 << 4;
export const CLIENT_COMPRESS = 1 << 5;
export const CLIENT_ODBC = 1 << 6;
export const CLIENT_LOCAL_FILES = 1 << 7;
export const CLIENT_IGNORE_SPACE = 1 << 8;
export const CLIENT_PROTOCOL_41 = 1 << 9;
export const CLIENT_INTERACTIVE = 1 << 10;
export const CLIENT_SSL = 1 << 11;
export const CLIENT_IGNORE_SIGPIPE = 1 << 12;
export const CLIENT_TRANSACTIONS = 1 << 13;
export const CLIENT_RESERVED = 1 << 14;
export const CLIENT_SECURE_CONNECTION = 1 << 15;
export const CLIENT_MULTI_STATEMENTS = 1 << 16;
export const CLIENT_MULTI_RESULTS = 1 << 17;
export const CLIENT_PS_MULTI_RESULTS = 1 << 18;
export const CLIENT_PLUGIN_AUTH = 1 << 19;
export const CLIENT_CONNECT_ATTRS = 1 << 20;
export const CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA = 1 << 21;
export const CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS = 1 << 22;
export const CLIENT_SESSION_TRACK = 1 << 23;
export const CLIENT_DEPRECATE_EOF = 1 << 24;
export const CLIENT_OPTIONAL_RESULTSET_METADATA = 1 << 25;
export const CLIENT_ZSTD_COMPRESSION_ALGORITHM = 1 << 26;
export const CLIENT_QUERY_ATTRIBUTES = 1 << 27;
export const CLIENT_MULTI_FACTOR_AUTHENTICATION = 1 << 28;
export const CLIENT_CAPABILITY_EXTENSION = 1 << 29;
export const CLIENT_SSL_VERIFY_SERVER_CERT = 1 << 30;
// `>>> 0` keeps the flag words unsigned, as they are on the wire.
export const CLIENT_REMEMBER_OPTIONS = (1 << 31) >>> 0;

// MariaDB's extension word: 4 bytes MySQL leaves zero in the handshake fillers, meaningful
// only when CLIENT_LONG_PASSWORD (CLIENT_MYSQL) is clear.
export const MARIADB_CLIENT_PROGRESS = 1;
export const MARIADB_CLIENT_STMT_BULK_OPERATIONS = 1 << 2;
export const MARIADB_CLIENT_EXTENDED_METADATA = 1 << 3;
export const MARIADB_CLIENT_CACHE_METADATA = 1 << 4;
export const MARIADB_CLIENT_BULK_UNIT_RESULTS = 1 << 5;

// Server status flags, in OK and EOF packets.
export const SERVER_STATUS_IN_TRANS = 1;
export const SERVER_STATUS_AUTOCOMMIT = 1 << 1;
export const SERVER_MORE_RESULTS_EXISTS = 1 << 3;
export const SERVER_STATUS_NO_GOOD_INDEX_USED = 1 << 4;
export const SERVER_STATUS_NO_INDEX_USED = 1 << 5;
export const SERVER_STATUS_CURSOR_EXISTS = 1 << 6;
export const SERVER_STATUS_LAST_ROW_SENT = 1 << 7;
export const SERVER_STATUS_DB_DROPPED = 1 << 8;
export const SERVER_STATUS_NO_BACKSLASH_ESCAPES = 1 << 9;
export const SERVER_STATUS_METADATA_CHANGED = 1 << 10;
export const SERVER_QUERY_WAS_SLOW = 1 << 11;
export const SERVER_PS_OUT_PARAMS = 1 << 12;
export const SERVER_STATUS_IN_TRANS_READONLY = 1 << 13;
export const SERVER_SESSION_STATE_CHANGED = 1 << 14;

// First payload byte of the packets a response is made of.
export const OK_HEADER = 0x00;
export const AUTH_MORE_DATA_HEADER = 0x01;
export const LOCAL_INFILE_HEADER = 0xfb;
/** EOF packet, AuthSwitchRequest, and (with CLIENT_DEPRECATE_EOF) the OK that ends a resultset. */
export const EOF_HEADER = 0xfe;
export const ERR_HEADER = 0xff;

/** utf8mb4_general_ci: understood by MySQL 5.5+ and every MariaDB. */
export const DEFAULT_CHARSET = 45;

export const NATIVE_PASSWORD_PLUGIN = 'mysql_native_password';
export const CACHING_SHA2_PLUGIN = 'caching_sha2_password';
/** Length of the scramble (nonce) both plugins use. */
export const SCRAMBLE_LENGTH = 20;
