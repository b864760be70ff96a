import { createDecipheriv, hkdfSync, type ECDH } from 'node:crypto';

// The fixed part of an aes128gcm header before the key id: salt (16), record size (4), key id length (1).
const FIXED_HEADER = 21;
const TAG_BYTES = 16;

/**
 * decryptWebPush undoes RFC 8291 (Web Push message encryption) over RFC 8188 (aes128gcm), as a browser
 * does with its subscription keys: `ua` holds the subscription's P-256 private key, `authSecret` its 16-byte
 * secret. It throws when anything does not check out (wrong keys fail the GCM tag).
 */
export function decryptWebPush(body: Buffer, ua: ECDH, authSecret: Buffer): Buffer {
  if (body.length < FIXED_HEADER) throw new Error('body shorter than an aes128gcm header');
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  if (idlen !== 65) throw new Error(`the key id must be the sender's 65-byte public key, not ${idlen} bytes`);
  if (rs < 18) throw new Error('record size below the minimum of 18');
  const asPublic = body.subarray(FIXED_HEADER, FIXED_HEADER + idlen);
  const records = body.subarray(FIXED_HEADER + idlen);

  // RFC 8291 §3.3-3.4: combine the ECDH secret with the auth secret, then derive the content key and nonce.
  const ecdhSecret = ua.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ua.getPublicKey(), asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));

  const plain: Buffer[] = [];
  for (let offset = 0, seq = 0; offset < records.length; offset += rs, seq++) {
    const record = records.subarray(offset, Math.min(offset + rs, records.length));
    if (record.length <= TAG_BYTES) throw new Error('record too short for its tag');
    const decipher = createDecipheriv('aes-128-gcm', cek, recordNonce(nonce, seq));
    decipher.setAuthTag(record.subarray(record.length - TAG_BYTES));
    const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - TAG_BYTES)), decipher.final()]);
    const last = offset + rs >= records.length;
    plain.push(unpad(padded, last));
  }
  return Buffer.concat(plain);
}

/** recordNonce is NONCE xor the record's sequence number (RFC 8188 §2.3), big-endian in the last bytes. */
function recordNonce(nonce: Buffer, seq: number): Buffer {
  const out = Buffer.from(nonce);
  // why: sequence numbers here stay far below 2^32, so only the last four bytes ever change.
  out.writeUInt32BE((out.readUInt32BE(8) ^ seq) >>> 0, 8);
  return out;
}

/** unpad strips the zero padding and checks the delimiter: 2 on the last record, 1 on the others. */
function unpad(padded: Buffer, last: boolean): Buffer {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  const delimiter = padded[end];
  if (delimiter !== (last ? 2 : 1)) throw new Error(`bad padding delimiter ${String(delimiter)}`);
  return padded.subarray(0, end);
}
