// The authkey handshake of Listener/Client (Python's deliver_challenge and
// answer_challenge): one side sends random bytes, the other answers with their
// HMAC-SHA256 under the shared authkey, and the first side replies WELCOME or
// FAILURE. Each side challenges the other, so neither trusts a peer that only
// replays answers. The key itself never crosses the connection. Each side is
// written once, as steps that Listener/Client run sync or async (wait/steps.ts).
import { nodeCrypto } from '../internal/node_crypto';
import type { Connection } from '../connection';
import { AuthenticationError } from '../errors';
import type { Twin, TwinSteps } from '../wait/steps';
import { deadlineOf, remaining, within, type Deadline, type Timeout } from '../wait/timeout';

const CHALLENGE = Buffer.from('#CHALLENGE#{sha256}');
const WELCOME = Buffer.from('#WELCOME#');
const FAILURE = Buffer.from('#FAILURE#');
const NONCE_BYTES = 40;
// Handshake messages are short; a longer one means the peer speaks another protocol.
const MAX_HANDSHAKE_MESSAGE = 256;
/**
 * How long a whole handshake may take by default: a peer that connects and
 * says nothing (or never answers) must not hold an accept() forever.
 */
export const HANDSHAKE_TIMEOUT_MS = 10000;
const TIMED_OUT = Symbol('timed out');

function digest(authkey: Buffer, nonce: Buffer): Buffer {
  return nodeCrypto().createHmac('sha256', authkey).update(nonce).digest();
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
  return answer.length === expected.length && nodeCrypto().timingSafeEqual(answer, expected) ? WELCOME : FAILURE;
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

function handshakeTimedOut(timeout: Timeout): AuthenticationError {
  return new AuthenticationError(
    `the peer did not complete the authentication handshake within ${timeout} ms; the connection is closed ` +
      '(a peer without the authkey option, or one that is stuck; handshakeTimeout sets the limit)',
  );
}

/** The peer's next handshake message, before the handshake's deadline; on expiry the connection is closed. */
const recvMessage = (conn: Connection, deadline: Deadline, timeout: Timeout): Twin<Buffer> => ({
  sync: () => {
    if (!conn.pollSync(remaining(deadline))) {
      conn.close();
      throw handshakeTimedOut(timeout);
    }
    return conn.recvBytesSync(MAX_HANDSHAKE_MESSAGE);
  },
  async: async () => {
    const received = conn.recvBytes(MAX_HANDSHAKE_MESSAGE);
    const outcome = await within(received, remaining(deadline), TIMED_OUT);
    if (outcome !== TIMED_OUT) return outcome;
    received.catch(() => {}); // it rejects once the connection is closed
    conn.close();
    throw handshakeTimedOut(timeout);
  },
});

/** The handshake's messages and the deadline they share. */
interface HandshakeWait {
  deadline: Deadline;
  timeout: Timeout;
}

/** Challenges the peer; throws AuthenticationError when its answer is wrong (after telling it so). */
function* deliverChallenge(conn: Connection, authkey: Buffer, wait: HandshakeWait): TwinSteps<void> {
  const nonce = nodeCrypto().randomBytes(NONCE_BYTES);
  yield sendBytes(conn, Buffer.concat([CHALLENGE, nonce]));
  const result = verdict(digest(authkey, nonce), (yield recvMessage(conn, wait.deadline, wait.timeout)) as Buffer);
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
function* answerChallenge(conn: Connection, authkey: Buffer, wait: HandshakeWait): TwinSteps<void> {
  const nonce = nonceOf((yield recvMessage(conn, wait.deadline, wait.timeout)) as Buffer);
  yield sendBytes(conn, digest(authkey, nonce));
  checkWelcome((yield recvMessage(conn, wait.deadline, wait.timeout)) as Buffer);
}

/** The accepting side's handshake (Python's Listener.accept): challenge first, then answer, within `timeout` ms. */
export function* acceptHandshake(
  conn: Connection,
  authkey: Buffer,
  timeout: Timeout = HANDSHAKE_TIMEOUT_MS,
): TwinSteps<void> {
  const wait = { deadline: deadlineOf(timeout), timeout };
  yield* deliverChallenge(conn, authkey, wait);
  yield* answerChallenge(conn, authkey, wait);
}

/** The connecting side's handshake (Python's Client): answer first, then challenge, within `timeout` ms. */
export function* connectHandshake(
  conn: Connection,
  authkey: Buffer,
  timeout: Timeout = HANDSHAKE_TIMEOUT_MS,
): TwinSteps<void> {
  const wait = { deadline: deadlineOf(timeout), timeout };
  yield* answerChallenge(conn, authkey, wait);
  yield* deliverChallenge(conn, authkey, wait);
}
