/** PostgreSQL protocol 3.0 constants: message type bytes and special startup codes. */
export const PROTOCOL_3_0 = 196608; // 3 << 16
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;
/** Frontend (client → server) message types. */
export const F = {
    Bind: 0x42, // B
    Close: 0x43, // C
    CopyData: 0x64, // d
    CopyDone: 0x63, // c
    CopyFail: 0x66, // f
    Describe: 0x44, // D
    Execute: 0x45, // E
    Flush: 0x48, // H
    FunctionCall: 0x46, // F
    Parse: 0x50, // P
    Password: 0x70, // p (also SASLInitialResponse, SASLResponse, GSSResponse)
    Query: 0x51, // Q
    Sync: 0x53, // S
    Terminate: 0x58, // X
};
/** Backend (server → client) message types. */
export const B = {
    Authentication: 0x52, // R
    BackendKeyData: 0x4b, // K
    BindComplete: 0x32, // 2
    CloseComplete: 0x33, // 3
    CommandComplete: 0x43, // C
    CopyBothResponse: 0x57, // W
    CopyData: 0x64, // d
    CopyDone: 0x63, // c
    CopyInResponse: 0x47, // G
    CopyOutResponse: 0x48, // H
    DataRow: 0x44, // D
    EmptyQueryResponse: 0x49, // I
    ErrorResponse: 0x45, // E
    FunctionCallResponse: 0x56, // V
    NegotiateProtocolVersion: 0x76, // v
    NoData: 0x6e, // n
    NoticeResponse: 0x4e, // N
    NotificationResponse: 0x41, // A
    ParameterDescription: 0x74, // t
    ParameterStatus: 0x53, // S
    ParseComplete: 0x31, // 1
    PortalSuspended: 0x73, // s
    ReadyForQuery: 0x5a, // Z
    RowDescription: 0x54, // T
};
/** Authentication request codes carried in an 'R' message. */
export const AUTH = {
    Ok: 0,
    CleartextPassword: 3,
    MD5Password: 5,
    SASL: 10,
    SASLContinue: 11,
    SASLFinal: 12,
};
/** Transaction status byte in ReadyForQuery. */
export const TX_IDLE = 0x49; // I
export const TX_IN_BLOCK = 0x54; // T
export const TX_FAILED = 0x45; // E
/** Header of a typed message: one type byte and a 4-byte length that counts itself. */
export const HEADER_SIZE = 5;
//# sourceMappingURL=constants.js.map