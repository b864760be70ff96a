import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccount, createOperator, createUser, type KeyPair } from '@nats-io/nkeys';
import { ChildService, freePort } from './processes.js';
import { NATS_SERVER_BINARY } from './services.js';
import type { MutualTls } from './tls.js';

/**
 * NatsAuthMode is how a private nats-server makes its clients authenticate: a user and password, a token,
 * an NKey, a user JWT of a trusted operator (a `.creds` file), or a TLS client certificate of a CA.
 */
export type NatsAuthMode = 'user' | 'token' | 'nkey' | 'creds' | 'tls';

/**
 * SecuredNats is a private nats-server that requires one kind of credentials: `good` are the NATS_* variables
 * of a client it accepts, `bad` those of one it refuses, `secrets` every secret string of either (which must
 * never appear in a log).
 */
export interface SecuredNats {
  server: ChildService;
  url: string;
  good: Record<string, string>;
  bad: Record<string, string>;
  secrets: string[];
  stop(): Promise<void>;
}

const b64url = (data: string | Uint8Array): string => Buffer.from(data).toString('base64url');

/**
 * issueJwt writes a NATS JWT (header `ed25519-nkey`) for `subject` signed by `issuer`, as nsc would: the claims
 * carry a jti (hash of the claims), iat, iss, sub, name and the `nats` section of their type.
 */
function issueJwt(issuer: KeyPair, subject: string, name: string, nats: Record<string, unknown>): string {
  const claims: Record<string, unknown> = { jti: '', iat: Math.floor(Date.now() / 1000), iss: issuer.getPublicKey(), name, sub: subject, nats: { ...nats, version: 2 } };
  claims.jti = createHash('sha256').update(JSON.stringify(claims)).digest('base64url').slice(0, 52).toUpperCase();
  const signing = `${b64url(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }))}.${b64url(JSON.stringify(claims))}`;
  return `${signing}.${b64url(issuer.sign(new TextEncoder().encode(signing)))}`;
}

/** credsFile is the text of a `.creds` file: the user JWT and the user's NKey seed, in nsc's armour. */
function credsFile(jwt: string, user: KeyPair): string {
  const seed = new TextDecoder().decode(user.getSeed());
  return `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`;
}

const UNLIMITED = { subs: -1, data: -1, payload: -1 };

/**
 * startSecuredNats starts nats-server on a free loopback port requiring `mode`'s credentials (`tls` needs the
 * certificates), and returns the settings of a client it accepts and of one it refuses.
 */
export async function startSecuredNats(mode: NatsAuthMode, tls?: MutualTls): Promise<SecuredNats> {
  const dir = mkdtempSync(join(tmpdir(), 'sockudo-nats-auth-'));
  const port = await freePort();
  const secret = (tag: string): string => `${tag}-${randomBytes(9).toString('hex')}`;
  let conf: string;
  let good: Record<string, string>;
  let bad: Record<string, string>;
  let secrets: string[];
  switch (mode) {
    case 'user': {
      const password = secret('nats-pass');
      const wrong = secret('wrong-pass');
      conf = `authorization { user: sockudo, password: "${password}" }`;
      good = { NATS_USERNAME: 'sockudo', NATS_PASSWORD: password };
      bad = { NATS_USERNAME: 'sockudo', NATS_PASSWORD: wrong };
      secrets = [password, wrong];
      break;
    }
    case 'token': {
      const token = secret('nats-token');
      const wrong = secret('wrong-token');
      conf = `authorization { token: "${token}" }`;
      good = { NATS_TOKEN: token };
      bad = { NATS_TOKEN: wrong };
      secrets = [token, wrong];
      break;
    }
    case 'nkey': {
      const user = createUser();
      const stranger = createUser();
      conf = `authorization { users: [ { nkey: "${user.getPublicKey()}" } ] }`;
      const seed = (kp: KeyPair): string => new TextDecoder().decode(kp.getSeed());
      good = { NATS_NKEY_SEED: seed(user) };
      bad = { NATS_NKEY_SEED: seed(stranger) };
      secrets = [seed(user), seed(stranger)];
      break;
    }
    case 'creds': {
      const operator = createOperator();
      const account = createAccount();
      const user = createUser();
      const otherAccount = createAccount();
      const stranger = createUser();
      const accountJwt = issueJwt(operator, account.getPublicKey(), 'sockudo', {
        type: 'account',
        limits: { ...UNLIMITED, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 },
      });
      const userJwt = issueJwt(account, user.getPublicKey(), 'gateway', { type: 'user', pub: {}, sub: {}, ...UNLIMITED });
      // why: a user of an account the operator never signed: well-formed, but not trusted by this server.
      const strangerJwt = issueJwt(otherAccount, stranger.getPublicKey(), 'stranger', { type: 'user', pub: {}, sub: {}, ...UNLIMITED });
      conf = `operator: "${issueJwt(operator, operator.getPublicKey(), 'test-operator', { type: 'operator' })}"\nresolver: MEMORY\nresolver_preload: { ${account.getPublicKey()}: "${accountJwt}" }`;
      writeFileSync(join(dir, 'good.creds'), credsFile(userJwt, user), { mode: 0o600 });
      writeFileSync(join(dir, 'bad.creds'), credsFile(strangerJwt, stranger), { mode: 0o600 });
      good = { NATS_CREDS_FILE: join(dir, 'good.creds') };
      bad = { NATS_CREDS_FILE: join(dir, 'bad.creds') };
      secrets = [new TextDecoder().decode(user.getSeed()), new TextDecoder().decode(stranger.getSeed()), userJwt.split('.')[2]!];
      break;
    }
    case 'tls': {
      if (tls === undefined) throw new Error('startSecuredNats(tls) needs certificates');
      conf = `tls { cert_file: "${tls.serverCert}", key_file: "${tls.serverKey}", ca_file: "${tls.caPath}", verify: true, timeout: 5 }`;
      good = { NATS_TLS_CA_FILE: tls.caPath, NATS_TLS_CERT_FILE: tls.clientCert, NATS_TLS_KEY_FILE: tls.clientKey };
      bad = { NATS_TLS_CA_FILE: tls.caPath, NATS_TLS_CERT_FILE: tls.rogueCert, NATS_TLS_KEY_FILE: tls.rogueKey };
      secrets = [];
      break;
    }
  }
  const file = join(dir, 'nats.conf');
  writeFileSync(file, `listen: "127.0.0.1:${port}"\n${conf}\n`);
  const server = new ChildService(`nats-server (${mode})`, port, NATS_SERVER_BINARY.path, ['-c', file]);
  await server.start();
  return {
    server,
    url: `nats://127.0.0.1:${port}`,
    good,
    bad,
    secrets,
    stop: async () => {
      await server.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
