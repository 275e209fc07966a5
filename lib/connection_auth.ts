// The authkey handshake of Listener/Client (Python's deliver_challenge and
// answer_challenge): one side sends random bytes, the other answers with their
// HMAC-SHA256 under the shared authkey, and the first side replies WELCOME or
// FAILURE. Each side challenges the other, so neither trusts a peer that only
// replays answers. The key itself never crosses the connection.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Connection } from './connection';
import { AuthenticationError } from './errors';

const CHALLENGE = Buffer.from('#CHALLENGE#{sha256}');
const WELCOME = Buffer.from('#WELCOME#');
const FAILURE = Buffer.from('#FAILURE#');
const NONCE_BYTES = 40;
// Handshake messages are short; a longer one means the peer speaks another protocol.
const MAX_HANDSHAKE_MESSAGE = 256;

function digest(authkey: Buffer, nonce: Buffer): Buffer {
  return createHmac('sha256', authkey).update(nonce).digest();
}

function nonceOf(message: Buffer): Buffer {
  if (!message.subarray(0, CHALLENGE.length).equals(CHALLENGE)) {
    throw new AuthenticationError('the peer did not send an authentication challenge: is it a Listener with the same authkey option?');
  }
  return message.subarray(CHALLENGE.length);
}

function verdict(expected: Buffer, answer: Buffer): Buffer {
  return answer.length === expected.length && timingSafeEqual(answer, expected) ? WELCOME : FAILURE;
}

function checkWelcome(reply: Buffer): void {
  if (!reply.equals(WELCOME)) throw new AuthenticationError('the peer rejected our answer to its challenge: the two sides use different authkeys');
}

const rejectedAnswer = (): AuthenticationError =>
  new AuthenticationError("the peer's answer to our challenge was wrong: the two sides use different authkeys");

/** Challenges the peer; throws AuthenticationError when its answer is wrong (after telling it so). */
export async function deliverChallenge(conn: Connection, authkey: Buffer): Promise<void> {
  const nonce = randomBytes(NONCE_BYTES);
  await conn.sendBytes(Buffer.concat([CHALLENGE, nonce]));
  const result = verdict(digest(authkey, nonce), await conn.recvBytes(MAX_HANDSHAKE_MESSAGE));
  await conn.sendBytes(result);
  if (result === FAILURE) throw rejectedAnswer();
}

/** Answers the peer's challenge; throws AuthenticationError when the peer rejects the answer. */
export async function answerChallenge(conn: Connection, authkey: Buffer): Promise<void> {
  const nonce = nonceOf(await conn.recvBytes(MAX_HANDSHAKE_MESSAGE));
  await conn.sendBytes(digest(authkey, nonce));
  checkWelcome(await conn.recvBytes(MAX_HANDSHAKE_MESSAGE));
}

export function deliverChallengeSync(conn: Connection, authkey: Buffer): void {
  const nonce = randomBytes(NONCE_BYTES);
  conn.sendBytesSync(Buffer.concat([CHALLENGE, nonce]));
  const result = verdict(digest(authkey, nonce), conn.recvBytesSync(MAX_HANDSHAKE_MESSAGE));
  conn.sendBytesSync(result);
  if (result === FAILURE) throw rejectedAnswer();
}

export function answerChallengeSync(conn: Connection, authkey: Buffer): void {
  const nonce = nonceOf(conn.recvBytesSync(MAX_HANDSHAKE_MESSAGE));
  conn.sendBytesSync(digest(authkey, nonce));
  checkWelcome(conn.recvBytesSync(MAX_HANDSHAKE_MESSAGE));
}
