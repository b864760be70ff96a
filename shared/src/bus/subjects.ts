/**
 * Subject naming for the NATS bus: `<prefix>.ch.<app>.<channel>` per channel and `<prefix>.control`.
 * App ids and channel names are encoded into single subject tokens, reversibly: characters outside
 * `A-Za-z0-9 _ - @ , ; #` (notably `.`, `=`, `*`, `>` and whitespace) become `=XX` per UTF-8 byte.
 */

const SAFE = /^[A-Za-z0-9_\-@,;#]$/;

/** encodeToken turns any string into one valid NATS subject token (never empty, never `.`/`*`/`>`). */
export function encodeToken(value: string): string {
  if (value === '') return '=';
  let out = '';
  for (const ch of value) {
    if (SAFE.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += '=' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** decodeToken reverses encodeToken. */
export function decodeToken(token: string): string {
  if (token === '=') return '';
  const bytes: number[] = [];
  for (let i = 0; i < token.length; ) {
    if (token[i] === '=') {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      bytes.push(token.charCodeAt(i));
      i++;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** channelSubject is the subject of one app's channel. */
export function channelSubject(prefix: string, app: string, channel: string): string {
  return `${prefix}.ch.${encodeToken(app)}.${encodeToken(channel)}`;
}

/** controlSubject is the subject every node listens on for control messages. */
export function controlSubject(prefix: string): string {
  return `${prefix}.control`;
}
