// A handler's answer that is already encoded (lib/reduction.ts's frame: the
// tag, then the body): the broker sends its bytes as they are, and the caller
// decodes them as the value. A queue's items are kept encoded, so a get is
// answered without wrapping the item in a second encoding.
export class EncodedReply {
  constructor(readonly frame: Uint8Array) {}
}
