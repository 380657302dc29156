// Go's base64.StdEncoding.Decode, as encoding/json uses it for []byte fields (ConfigMap
// binaryData, Secret data): padding required, '\r' and '\n' skipped anywhere, trailing bits not
// checked. Returns the offset Go's CorruptInputError reports (`illegal base64 data at input byte N`,
// a byte offset in the UTF-8 text), or -1 when the text decodes (Go: src/encoding/base64/base64.go
// decodeQuantum).

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
const CR = 13, LF = 10, PAD = 61;

/** One 4-character quantum from si: [next si, error offset or -1]. */
function quantum(src: Uint8Array, si: number): [number, number] {
  const n = src.length;
  const newline = (c: number) => c === CR || c === LF;
  for (let j = 0; j < 4; j++) {
    if (si === n) {
      if (j === 0) return [si, -1];
      return [si, si - j]; // a partial quantum: padding is required
    }
    const c = src[si++];
    if (DECODE[c] >= 0) continue;
    if (newline(c)) {
      j--;
      continue;
    }
    if (c !== PAD) return [si, si - 1];
    // padding: only after two or three characters of the quantum
    if (j < 2) return [si, si - 1];
    if (j === 2) {
      while (si < n && newline(src[si])) si++;
      if (si === n) return [si, n];
      if (src[si] !== PAD) return [si, si - 1];
      si++;
    }
    while (si < n && newline(src[si])) si++;
    return [n, si < n ? si : -1]; // anything after the padding is trailing garbage
  }
  return [si, -1];
}

export function base64ErrorOffset(text: string): number {
  // the common case: canonical base64 without newlines
  if (text.length % 4 === 0 && /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return -1;
  const src = Buffer.from(text, 'utf8');
  let si = 0;
  while (si < src.length) {
    const [next, err] = quantum(src, si);
    if (err >= 0) return err;
    if (next === si) break;
    si = next;
  }
  return -1;
}
