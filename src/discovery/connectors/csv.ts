/**
 * RFC 4180 CSV records, from text that may end mid-record: discovery reads only the first
 * bytes of an object (a ranged GET), so a cut-off last record is dropped, not guessed at.
 */

/** `complete`: the text is the whole object, so its last record is whole even without a newline. */
export function parseCsv(text: string, complete: boolean, delimiter = ','): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  // A UTF-8 byte order mark is not part of the first header name.
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') { field += '"'; i++; }
      else quoted = false;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) { record.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  const pending = field !== '' || record.length > 0;
  if (complete && !quoted && pending) {
    record.push(field);
    records.push(record);
  }
  return records;
}
