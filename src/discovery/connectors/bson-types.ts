/** MongoDB's own type names ($type aliases) for values the driver decodes with promoteValues off. */
import type { TypeNamer } from './doc-schema.js';

const BY_BSONTYPE: Readonly<Record<string, string>> = {
  ObjectId: 'objectId', ObjectID: 'objectId', Int32: 'int', Double: 'double', Long: 'long', Decimal128: 'decimal', Binary: 'binData',
  Timestamp: 'timestamp', BSONRegExp: 'regex', Code: 'javascript', MinKey: 'minKey', MaxKey: 'maxKey', DBRef: 'dbPointer', BSONSymbol: 'symbol',
};

export const bsonTypeOf: TypeNamer = (v) => {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof RegExp) return 'regex';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double';
  if (typeof v === 'object') {
    const tag = (v as { _bsontype?: unknown })._bsontype;
    return typeof tag === 'string' ? BY_BSONTYPE[tag] ?? tag : 'object';
  }
  return typeof v;
};
