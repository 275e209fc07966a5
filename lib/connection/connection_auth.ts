// The authkey handshake of Listener/Client (Python's deliver_challenge and
// answer_challenge): one side sends random bytes, the other answers with their
// HMAC-SHA256 under the shared authkey, and the first side replies WELCOME or
// FAILURE. Each side challenges the other, so neither trusts a peer that only
// replays answers. The key itself never crosses the connection. Each side is
// written once, as steps that Listener/Client run sync or async (wait/steps.ts).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Connection } from '../connection';
import { AuthenticationError } from '../errors';
import type { Twin, TwinSteps } from '../wait/steps';

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
    throw new AuthenticationError(
      'the peer did not send an authentication challenge: is it a Listener with the same authkey option?',
    );
  }
  return message.subarray(CHALLENGE.length);
}

function verdict(expected: Buffer, answer: Buffer): Buffer {
  return answer.length === expected.length && timingSafeEqual(answer, expected) ? WELCOME : FAILURE;
}

function checkWelcome(reply: Buffer): void {
  if (!reply.equals(WELCOME))
    throw new AuthenticationError(
      'the peer rejected our answer to its challenge: the two sides use different authkeys',
    );
}

const rejectedAnswer = (): AuthenticationError =>
  new AuthenticationError("the peer's answer to our challenge was wrong: the two sides use different authkeys");

const sendBytes = (conn: Connection, bytes: Buffer): Twin<void> => ({
  sync: () => conn.sendBytesSync(bytes),
  async: () => conn.sendBytes(bytes),
});

const recvMessage = (conn: Connection): Twin<Buffer> => ({
  sync: () => conn.recvBytesSync(MAX_HANDSHAKE_MESSAGE),
  async: () => conn.recvBytes(MAX_HANDSHAKE_MESSAGE),
});

/** Challenges the peer; throws AuthenticationError when its answer is wrong (after telling it so). */
function* deliverChallenge(conn: Connection, authkey: Buffer): TwinSteps<void> {
  const nonce = randomBytes(NONCE_BYTES);
  yield sendBytes(conn, Buffer.concat([CHALLENGE, nonce]));
  const result = verdict(digest(authkey, nonce), (yield recvMessage(conn)) as Buffer);
  if (result === WELCOME) {
    yield sendBytes(conn, result);
    return;
  }
  // Telling a wrong peer so is a courtesy: it may be gone already (EPIPE), and the error
  // that matters here is that its answer was wrong.
  try {
    yield sendBytes(conn, result);
  } catch {
    // the peer left
  }
  throw rejectedAnswer();
}

/** Answers the peer's challenge; throws AuthenticationError when the peer rejects the answer. */
function* answerChallenge(conn: Connection, authkey: Buffer): TwinSteps<void> {
  const nonce = nonceOf((yield recvMessage(conn)) as Buffer);
  yield sendBytes(conn, digest(authkey, nonce));
  checkWelcome((yield recvMessage(conn)) as Buffer);
}

/** The accepting side's handshake (Python's Listener.accept): challenge first, then answer. */
export function* acceptHandshake(conn: Connection, authkey: Buffer): TwinSteps<void> {
  yield* deliverChallenge(conn, authkey);
  yield* answerChallenge(conn, authkey);
}

/** The connecting side's handshake (Python's Client): answer first, then challenge. */
export function* connectHandshake(conn: Connection, authkey: Buffer): TwinSteps<void> {
  yield* answerChallenge(conn, authkey);
  yield* deliverChallenge(conn, authkey);
}
