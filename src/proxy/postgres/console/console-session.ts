/**
 * A logged-in console client: simple Query messages only (as PgBouncer), one command each,
 * answered in order. Extended-protocol messages get one error and are skipped up to Sync.
 */
import type net from 'node:net';
import type { UserConfig } from '../../../config/types.js';
import { backendKeyData, commandComplete, errorResponse, noticeResponse, parameterStatus, READY_IDLE } from '../../../wire/postgres/backend-messages.js';
import { B, F } from '../../../wire/postgres/constants.js';
import { type FrameHandler, MessageFramer } from '../../../wire/postgres/framer.js';
import { SQLSTATE } from '../../../wire/postgres/sqlstate.js';
import type { PgProxyContext } from '../context.js';
import type { ConsoleRole } from './access.js';
import { type ConsoleCommand, parseCommand } from './command.js';
import type { AuditResult } from '../../../auth/audit/index.js';
import { ADMIN_VERBS, ConsoleError, runControl } from './control.js';
import { showConsole } from './show.js';
import { HELP_TEXT } from './show-info.js';
import { encodeResult } from './result.js';

const EMPTY_QUERY = Buffer.from([B.EmptyQueryResponse, 0, 0, 0, 4]);
/** Console commands are one short line; a megabyte is plenty. */
const MAX_CONSOLE_MESSAGE = 1024 * 1024;

export interface ConsoleHost {
  readonly socket: net.Socket;
  readonly remoteAddress: string;
  readonly remotePort: number;
  close(): void;
}

export class ConsoleSession implements FrameHandler {
  private readonly framer: MessageFramer;
  /** Commands run one after another; PAUSE and RELOAD take time. */
  private chain: Promise<void> = Promise.resolve();
  private skipToSync = false;
  private closed = false;

  constructor(private readonly host: ConsoleHost, private readonly ctx: PgProxyContext, private readonly role: ConsoleRole, private readonly user: UserConfig) {
    this.framer = new MessageFramer(this, MAX_CONSOLE_MESSAGE);
  }

  /** The parameters and key PgBouncer's console shows after login, then ReadyForQuery. */
  hello(pid: number, secret: number): void {
    const params: [string, string][] = [
      ['server_version', '1.18.0/bouncer'], ['client_encoding', 'UTF8'], ['server_encoding', 'UTF8'],
      ['DateStyle', 'ISO, MDY'], ['TimeZone', 'UTC'], ['standard_conforming_strings', 'on'],
      ['integer_datetimes', 'on'], ['is_superuser', this.role === 'admin' ? 'on' : 'off'], ['application_name', ''],
    ];
    this.write(Buffer.concat([...params.map(([k, v]) => parameterStatus(k, v)), backendKeyData(pid, secret), READY_IDLE]));
  }

  onData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.framer.push(chunk);
    } catch (err) {
      this.write(errorResponse({ severity: 'FATAL', code: SQLSTATE.ProtocolViolation, message: (err as Error).message }));
      this.host.close();
    }
  }

  close(): void {
    this.closed = true;
    this.framer.halt();
  }

  wantsStream(): boolean { return false; }
  onStreamData(): void {}

  onMessage(type: number, buf: Buffer, start: number, end: number): void {
    if (type === F.Terminate) {
      this.chain = this.chain.then(() => this.host.close());
      return;
    }
    const text = type === F.Query ? buf.toString('utf8', start + 5, Math.max(start + 5, end - 1)) : '';
    this.chain = this.chain.then(() => this.handle(type, text)).catch((err: unknown) => {
      this.ctx.log.error({ err }, 'console command failed');
      this.write(Buffer.concat([errorResponse({ code: SQLSTATE.InternalError, message: `console command failed: ${(err as Error).message}` }), READY_IDLE]));
    });
  }

  private async handle(type: number, text: string): Promise<void> {
    if (type === F.Query) {
      this.write(Buffer.concat([await this.answer(text), READY_IDLE]));
    } else if (type === F.Sync) {
      this.skipToSync = false;
      this.write(READY_IDLE);
    } else if (!this.skipToSync && type !== F.Flush) {
      this.skipToSync = true;
      this.write(errorResponse({ code: SQLSTATE.FeatureNotSupported, message: 'the console accepts only the simple query protocol (as PgBouncer\'s); send commands as plain queries, without parameters' }));
    }
  }

  private async answer(text: string): Promise<Buffer> {
    if (text.trim() === '' || text.trim() === ';') return EMPTY_QUERY;
    const cmd = parseCommand(text);
    const invalid = () => errorResponse({ code: SQLSTATE.ProtocolViolation, message: `invalid command '${text.trim()}', use SHOW HELP;` });
    if (cmd === null) return invalid();
    try {
      if (cmd.verb === 'SHOW') {
        if (cmd.subject === 'HELP') return Buffer.concat([noticeResponse({ severity: 'NOTICE', code: '00000', message: 'Console usage', detail: '\n' + HELP_TEXT }), commandComplete('SHOW')]);
        const rs = showConsole(this.ctx, cmd.subject);
        return rs === null ? invalid() : encodeResult(rs);
      }
      if (!ADMIN_VERBS.has(cmd.verb)) return invalid();
      if (this.role !== 'admin') {
        this.recordCommand(cmd, 'denied', { reason: 'stats user' });
        return errorResponse({ code: SQLSTATE.InsufficientPrivilege, message: 'admin access needed' });
      }
      this.ctx.log.info({ user: this.user.name, command: text.trim() }, 'console admin command');
      const tag = await runControl(this.ctx, cmd);
      this.recordCommand(cmd, 'ok');
      return commandComplete(tag);
    } catch (err) {
      if (err instanceof ConsoleError) {
        if (ADMIN_VERBS.has(cmd.verb)) this.recordCommand(cmd, 'failed', { reason: err.message });
        return errorResponse({ code: err.sqlstate, message: err.message });
      }
      throw err;
    }
  }

  /** Console admin commands go to the audit trail as the admin API's calls do. */
  private recordCommand(cmd: ConsoleCommand, result: AuditResult, detail?: Record<string, string>): void {
    this.ctx.audit.record({
      actor: `user:${this.user.name}`,
      action: `console.${cmd.verb.toLowerCase()}`,
      target: cmd.arg === null ? 'all' : `source:${cmd.arg}`,
      result,
      source: `${this.host.remoteAddress}:${this.host.remotePort}`,
      ...(detail && { detail }),
    });
  }

  private write(buf: Buffer): void {
    if (!this.closed && !this.host.socket.destroyed) this.host.socket.write(buf);
  }
}
