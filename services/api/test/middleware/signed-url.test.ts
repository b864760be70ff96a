import { describe, expect, it } from 'vitest';
import { APP_DEFAULTS, HmacSha256Key, hmacSha256Hex, type App } from '@sockudo-ts/shared';
import { verifySignedQuery, verifySignedUrl } from '../../src/middleware/signature.js';
import { verifyUrlInPlace } from '../../src/middleware/signed-url.js';

// The in-place check (verifyUrlInPlace) must answer exactly as the general one (verifySignedQuery) for every URL:
// the same query (pieces, order, values) when it accepts, and for any URL it leaves to the general way, that one's
// answer. Each case below is a URL a client could send; both paths run on it and their answers are compared.

const app: App = { ...APP_DEFAULTS, id: '3', key: '278d425bdf160c739803', secret: '7ad3773142a6692b25b8' } as App;
const PATH = '/apps/3/events';
const NOW = 1353088179;
const MD5 = 'ec365a775a4cd0599faeb73354201b6f';

/** signedUrl signs `pieces` (k=v, in the order given) as the Pusher libraries do, the signature appended last. */
function signedUrl(pieces: string[], options: { method?: string; path?: string; sign?: string[] } = {}): string {
  const path = options.path ?? PATH;
  const toSign = (options.sign ?? [...pieces].sort()).join('&');
  const signature = hmacSha256Hex(app.secret, `${(options.method ?? 'POST').toUpperCase()}\n${path}\n${toSign}`);
  return `${path}?${[...pieces, `auth_signature=${signature}`].join('&')}`;
}

const BASE = [`auth_key=${app.key}`, `auth_timestamp=${NOW}`, 'auth_version=1.0', `body_md5=${MD5}`];

type Answer = { entries: Array<[string, string]>; gets: Record<string, string | undefined>; size: number } | { error: string };

/** answer runs a verification and describes what it answered. */
function answer(verify: () => ReturnType<typeof verifySignedQuery>): Answer {
  try {
    const query = verify();
    const entries = [...query];
    const gets: Record<string, string | undefined> = {};
    for (const name of ['auth_key', 'auth_timestamp', 'auth_version', 'body_md5', 'auth_signature', 'info', 'missing', ...entries.map(([k]) => k)]) gets[name] = query.get(name);
    return { entries, gets, size: query.size };
  } catch (err) {
    return { error: `${(err as { status?: number }).status}: ${(err as Error).message}` };
  }
}

/** both verifies `url` the in-place way and the general way and expects the same answer; returns it. */
function both(url: string, method = 'POST', nowS = NOW): Answer {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const raw = q < 0 ? '' : url.slice(q + 1);
  const general = answer(() => verifySignedQuery(app, method, path, raw, nowS));
  const inPlace = answer(() => verifySignedUrl(app, method, url, path, raw, nowS));
  expect(inPlace, url).toEqual(general);
  return general;
}

/** fast tells whether verifyUrlInPlace itself accepts the URL (not the general way after it). */
function fast(url: string, method = 'POST', nowS = NOW): boolean {
  return verifyUrlInPlace(new HmacSha256Key(app.secret), app, method, url, url.indexOf('?'), nowS) !== undefined;
}

describe('verifySignedUrl: the in-place check answers as the general one', () => {
  it('accepts what the Pusher libraries send, in place, with the same query', () => {
    // keys that begin like the signing keys, and one whose value holds a `=` where a signing key's would be
    const lookalikes = [...BASE, 'auth_key_x=1', 'auth_keys=2', 'body_md5x=3', 'abcdefg=h=ij', 'auth_versions=4'].sort();
    for (const pieces of [BASE, [...BASE, 'info=user_count,subscription_count'].sort(), [`auth_key=${app.key}`, `auth_timestamp=${NOW}`, 'auth_version=1.0'], [...BASE, 'filter_by_prefix=presence-'].sort(), lookalikes]) {
      const url = signedUrl(pieces);
      expect(fast(url), url).toBe(true);
      expect(both(url)).toMatchObject({ size: pieces.length + 1 });
    }
    // GET without body_md5, other paths
    const get = signedUrl([`auth_key=${app.key}`, `auth_timestamp=${NOW}`, 'auth_version=1.0', 'info=subscription_count'], { method: 'GET', path: '/apps/3/channels/presence-x' });
    expect(fast(get, 'GET')).toBe(true);
    both(get, 'GET');
  });

  it('gives every other shape to the general parser, which answers it', () => {
    const urls = [
      // not in signing order, a repeated key, letter case, escapes, spaces, non-ASCII, empty and odd pieces
      signedUrl([BASE[1]!, BASE[0]!, BASE[2]!, BASE[3]!]),
      signedUrl([...BASE, 'info=a', 'info=b']),
      signedUrl([...BASE, 'Info=a'], { sign: [...BASE, 'info=a'].sort() }),
      signedUrl([...BASE, 'info=user%5Fcount'], { sign: [...BASE, 'info=user_count'].sort() }),
      signedUrl([...BASE, 'info=a+b'], { sign: [...BASE, 'info=a b'].sort() }),
      signedUrl([...BASE, 'info=\u00e9']),
      `${signedUrl(BASE)}&`,
      signedUrl([BASE[0]!, '', ...BASE.slice(1)]),
      signedUrl([...BASE, 'flag']),
      signedUrl([...BASE, 'info=a=b']),
      `${PATH}??${signedUrl(BASE).split('?')[1]}`,
      // the signature elsewhere than last, twice, upper-case, too short, too long, wrong
      `${PATH}?auth_signature=${signedUrl(BASE).split('auth_signature=')[1]}&${BASE.join('&')}`,
      `${PATH}?${BASE.slice(0, 2).join('&')}&auth_signature=${signedUrl(BASE).split('auth_signature=')[1]}&${BASE.slice(2).join('&')}`,
      `${signedUrl(BASE)}&auth_signature=00`,
      signedUrl(BASE).replace(/auth_signature=(\w+)$/, (_m, s: string) => `auth_signature=${s.toUpperCase()}`),
      signedUrl(BASE).slice(0, -1),
      `${signedUrl(BASE)}0`,
      signedUrl(BASE).replace(/.$/, (c) => (c === '0' ? '1' : '0')),
      `${PATH}?${BASE.join('&')}&auth_signature=${'g'.repeat(64)}`,
      // what the checks refuse: key, timestamp, version, a missing part, the signature alone
      signedUrl([`auth_key=other`, ...BASE.slice(1)]),
      signedUrl([`auth_key=${app.key}x`, ...BASE.slice(1)]),
      signedUrl(BASE.slice(1)),
      signedUrl([BASE[0]!, 'auth_timestamp=13530881790001', ...BASE.slice(2)]),
      signedUrl([BASE[0]!, 'auth_timestamp=', ...BASE.slice(2)]),
      signedUrl([BASE[0]!, 'auth_timestamp=12a', ...BASE.slice(2)]),
      signedUrl([BASE[0]!, ...BASE.slice(2)]),
      signedUrl([...BASE.slice(0, 2), 'auth_version=2.0', BASE[3]!]),
      signedUrl([...BASE.slice(0, 2), BASE[3]!]),
      signedUrl([]),
      `${PATH}?${BASE.join('&')}`,
      `${PATH}?`,
      PATH,
      // a path with an escape (the path is signed as sent)
      signedUrl(BASE, { path: '/apps/3/channels/presence%2Dx' }),
    ];
    for (const url of urls) both(url);
    // the same shapes signed as sent (a client that signs its query as it is): the general check signs the query
    // decoded, keys lower-cased and sorted, so it refuses most; the in-place check must not accept them either
    const oddShapes = [
      [BASE[1]!, BASE[0]!, BASE[2]!, BASE[3]!],
      [...BASE, 'info=a', 'info=b'],
      [...BASE, 'Info=a'],
      [...BASE, 'info=user%5Fcount'],
      [...BASE, 'info=a+b'],
      [...BASE, 'info=\u00e9'],
      [BASE[0]!, '', ...BASE.slice(1)],
      [...BASE, 'flag'],
      ['?x=1', ...BASE],
      [...BASE, 'auth_signature=0'],
      [BASE[0]!, 'auth_signature=0', ...BASE.slice(1)],
      [...BASE, 'infO=a'],
    ];
    for (const pieces of oddShapes) both(signedUrl(pieces, { sign: pieces }));
    // characters past ASCII, signed as their latin1 bytes or as what their low byte spells: only UTF-8 is right
    const latin1 = [...BASE, 'info=\u00e9'];
    const latin1Signature = hmacSha256Hex(app.secret, Buffer.from(`POST\n${PATH}\n${latin1.join('&')}`, 'latin1'));
    both(`${PATH}?${latin1.join('&')}&auth_signature=${latin1Signature}`);
    both(signedUrl([...BASE, 'info=\u0161'], { sign: [...BASE, 'info=a'] }));
    // a skewed clock, a method in lower case, another method than signed
    both(signedUrl(BASE), 'POST', NOW + 601);
    both(signedUrl(BASE), 'POST', NOW - 600);
    both(signedUrl(BASE), 'post');
    both(signedUrl(BASE), 'PUT');
  });

  it('can tell the two apart: the cases above reach the in-place check and are refused there', () => {
    expect(fast(signedUrl([BASE[1]!, BASE[0]!, BASE[2]!, BASE[3]!]))).toBe(false);
    expect(fast(signedUrl([`auth_key=other`, ...BASE.slice(1)]))).toBe(false);
    expect(fast(signedUrl(BASE), 'POST', NOW + 601)).toBe(false);
    expect(fast(signedUrl(BASE).replace(/.$/, (c) => (c === '0' ? '1' : '0')))).toBe(false);
    expect('error' in both(signedUrl(BASE).replace(/.$/, (c) => (c === '0' ? '1' : '0')))).toBe(true);
  });

  it('signs the same message again after a longer one (the key buffer is reused)', () => {
    const long = signedUrl([...BASE, `info=${'x'.repeat(2000)}`].sort());
    expect(fast(long)).toBe(true);
    both(long);
    both(signedUrl(BASE));
  });
});
