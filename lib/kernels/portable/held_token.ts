// The token that pairs a broker object's loan (its sender's hold while it
// travels) with the receiver's attach: see broker/held_objects.ts.
import crypto from 'node:crypto';

let sent = 0;

export function transferToken(): string {
  return `${process.pid}.${++sent}.${crypto.randomBytes(6).toString('hex')}`;
}
