/** The Redis wire layer: client command parsing, reply framing, reply building, command classes. */
export { type CommandArgs, commandArgs } from './command-args.js';
export type { RespCommand } from './command.js';
export {
  RespCommandParser, type CommandParserOptions,
  DEFAULT_MAX_ARRAY_LENGTH, DEFAULT_MAX_BULK_LENGTH, DEFAULT_MAX_INLINE_LENGTH,
} from './command-parser.js';
export { RespReplySplitter, MAX_REPLY_DEPTH } from './reply-splitter.js';
export {
  type ReplyValue, type RespVersion, OK_REPLY,
  arrayOfBulks, bulkReply, errorReply, integerReply, mapReply, nullArray, nullBulk, simpleString,
} from './reply-writer.js';
export { type ClassifyOptions, type CommandClass, READ_ONLY_COMMANDS, classifyCommand } from './commands.js';
