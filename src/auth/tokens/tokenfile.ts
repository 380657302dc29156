// The static token file (--token-auth-file): CSV rows of token,user,uid[,"group1,group2"]
// (apiserver pkg/authentication/token/tokenfile/tokenfile.go NewCSV, read with Go's encoding/csv
// with FieldsPerRecord = -1). Read once at start; errors stop the server, worded as upstream.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { UserInfo } from '../types.js';
import type { TokenAuthenticator } from './bearer.js';

export class CSVParseError extends Error {}

/**
 * Go's encoding/csv Reader (comma `,`, no comments, no lazy quotes): the records of `text`.
 * Empty lines are skipped; `""` inside a quoted field is one quote; errors are csv.ParseError's text.
 */
export function parseCSV(text: string): string[][] {
  const records: string[][] = [];
  const s = text.replace(/\r\n/g, '\n');
  let i = 0;
  let line = 1;
  while (i < s.length) {
    if (s[i] === '\n') {
      // an empty line
      i++;
      line++;
      continue;
    }
    const startLine = line;
    let lineStart = i;
    const record: string[] = [];
    for (;;) {
      if (s[i] === '"') {
        // quoted field
        const fieldCol = i - lineStart + 1;
        let v = '';
        i++;
        for (;;) {
          if (i >= s.length) throw parseError(startLine, line, fieldCol, 'extraneous or missing " in quoted-field');
          const c = s[i];
          if (c === '"') {
            if (s[i + 1] === '"') {
              v += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') {
            line++;
            lineStart = i + 1;
          }
          v += c;
          i++;
        }
        record.push(v);
        if (i >= s.length || s[i] === '\n') break;
        if (s[i] === ',') {
          i++;
          continue;
        }
        throw parseError(startLine, line, i - lineStart + 1, 'extraneous or missing " in quoted-field');
      }
      // unquoted field: up to the next comma or the end of the line
      let j = i;
      while (j < s.length && s[j] !== ',' && s[j] !== '\n') j++;
      const v = s.slice(i, j);
      const q = v.indexOf('"');
      if (q >= 0) throw parseError(startLine, line, i - lineStart + q + 1, 'bare " in non-quoted-field');
      record.push(v);
      i = j;
      if (s[i] === ',') {
        i++;
        if (i >= s.length || s[i] === '\n') {
          // a trailing comma: one more empty field
          record.push('');
          break;
        }
        continue;
      }
      break;
    }
    records.push(record);
    if (s[i] === '\n') {
      i++;
      line++;
    }
  }
  return records;
}

function parseError(startLine: number, line: number, col: number, msg: string): CSVParseError {
  if (startLine !== line) return new CSVParseError(`record on line ${startLine}; parse error on line ${line}, column ${col}: ${msg}`);
  return new CSVParseError(`parse error on line ${line}, column ${col}: ${msg}`);
}

/** The users of a token file's text (tokenfile.go NewCSV); `warn` gets upstream's warnings. */
export function parseTokenFile(text: string, path: string, warn: (msg: string) => void = () => {}): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  let recordNum = 0;
  for (const record of parseCSV(text)) {
    if (record.length < 3) throw new Error(`token file '${path}' must have at least 3 columns (token, user name, user uid), found ${record.length}`);
    recordNum++;
    if (record[0] === '') {
      warn(`empty token has been found in token file '${path}', record number '${recordNum}'`);
      continue;
    }
    if (tokens.has(record[0])) warn(`duplicate token has been found in token file '${path}', record number '${recordNum}'`);
    const u: UserInfo = { username: record[1], uid: record[2], groups: [] };
    if (record.length >= 4) u.groups = record[3].split(',');
    tokens.set(record[0], u);
  }
  return tokens;
}

/** os.Open's error, as Go words it */
function goOpenError(path: string, err: NodeJS.ErrnoException): Error {
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    ENOTDIR: 'not a directory',
  };
  if (err.code === 'EISDIR') return new Error(`read ${path}: is a directory`);
  return new Error(`open ${path}: ${why[err.code ?? ''] ?? err.message}`);
}

/** Reads the token file and returns its authenticator; throws upstream's error when it cannot. */
export function loadTokenFile(path: string, logger?: Logger): TokenAuthenticator {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw goOpenError(path, err as NodeJS.ErrnoException);
  }
  const tokens = parseTokenFile(text, path, (m) => logger?.warn(m));
  return tokenFileAuthenticator(tokens);
}

export function tokenFileAuthenticator(tokens: Map<string, UserInfo>): TokenAuthenticator {
  return {
    name: 'token-file',
    authenticateToken(token) {
      const u = tokens.get(token);
      return u ? { user: { ...u, groups: [...u.groups] } } : undefined;
    },
  };
}
