// Where a broker listens, and the secret that lets a process of its tree in.
// Names are random; on POSIX the socket sits in a directory only this user
// can enter (0700); on Windows it is a named pipe.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ADDRESS_ENV = 'PMP_BROKER_ADDRESS';
export const KEY_ENV = 'PMP_BROKER_KEY';

export interface BrokerAddress {
  /** A unix socket path, or a Windows pipe name (\\.\pipe\...). */
  readonly address: string;
  /**
   * The private directory holding the socket: made (0700, failing if it exists) and
   * removed by the broker itself; null on Windows.
   */
  readonly directory: string | null;
  readonly key: Buffer;
}

/** The pipe name of a new broker on Windows. */
export function windowsPipeName(random: string): string {
  return `\\\\.\\pipe\\pmp-broker-${random}`;
}

export function newBrokerAddress(platform: NodeJS.Platform = process.platform): BrokerAddress {
  const key = crypto.randomBytes(32);
  if (platform === 'win32') {
    return { address: windowsPipeName(crypto.randomBytes(12).toString('hex')), directory: null, key };
  }
  const directory = path.join(os.tmpdir(), `pmp-broker-${crypto.randomBytes(9).toString('base64url')}`);
  return { address: path.join(directory, 'broker.sock'), directory, key };
}

/** Makes the broker's private directory; fails if the name is taken (the name is random: someone else's). */
export function makeBrokerDirectory(directory: string): void {
  fs.mkdirSync(directory, { mode: 0o700 });
}

let handedDown: BrokerAddress | null | undefined;

/**
 * The broker of this process tree, as a parent handed it down; null in a
 * tree's first process. Read once, then taken out of process.env: our own
 * children are told again (brokerAddressEnv), and the key must not reach
 * programs this process starts.
 */
export function inheritedBrokerAddress(): BrokerAddress | null {
  if (handedDown === undefined) {
    const address = process.env[ADDRESS_ENV];
    const key = process.env[KEY_ENV];
    delete process.env[ADDRESS_ENV];
    delete process.env[KEY_ENV];
    handedDown = address && key ? { address, directory: null, key: Buffer.from(key, 'hex') } : null;
  }
  return handedDown;
}

export function brokerAddressEnv(broker: BrokerAddress): Record<string, string> {
  return { [ADDRESS_ENV]: broker.address, [KEY_ENV]: broker.key.toString('hex') };
}

/** The proof a client sends for the broker's challenge. */
export function answerChallenge(key: Buffer, challenge: Buffer): Buffer {
  return crypto.createHmac('sha256', key).update(challenge).digest();
}

export function challengeAnswered(key: Buffer, challenge: Buffer, answer: Buffer): boolean {
  const expected = answerChallenge(key, challenge);
  return answer.length === expected.length && crypto.timingSafeEqual(answer, expected);
}
