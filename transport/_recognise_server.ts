// Copyright 2026 the framewire authors. MIT license.
// The client side of transport/_protocol_sniff.ts: recognising, on a new
// connection's first bytes, a server that speaks another protocol.
//
// A TLS server answers a plain client's first frame with an alert record
// (15 03 03 00 02 ...), which the decoder reads as type 21 with a 50 MB
// length: "payload length 50528258 exceeds maxFrameLength". A TLS client
// that reached a plain server gets the TLS library's "received corrupt
// message of type InvalidContentType", and a self-signed certificate
// "invalid peer certificate: UnknownIssuer". Each is replaced here by a
// typed error that says what to change.
//
// The checks run on the first reads and writes only: the connection's own
// `read` / `write` are shadowed by instance properties that remove
// themselves once the start went well, so the steady state costs nothing
// and the FramedConn keeps the Deno connection it was typed with.
import {
  ProtocolMismatchError,
  TlsCertificateError,
} from "./connect_errors.ts";
import { sniffProtocol } from "./_protocol_sniff.ts";
import type { ResolvedFrameCodecOptions } from "../codec/options.ts";

/** Bytes of the first frame header looked at: type byte + u32 length. */
const HEAD_BYTES = 5;

/**
 * Names what the first bytes from a server look like when they are not a
 * frame this client would accept: a TLS record (any content type: a TLS
 * server answers garbage with an alert), or what `sniffProtocol` knows
 * (HTTP, SSH). A header the decoder would accept is never reported, so a
 * real frame of type 21 is not mistaken for TLS.
 */
export function recogniseServer(
  head: Uint8Array,
  codec: ResolvedFrameCodecOptions,
): "TLS" | "HTTP" | "SSH" | undefined {
  // Only the framewire header (type byte, u32 big-endian) is judged: other
  // profiles put other meanings on these bytes.
  if (
    head.length < HEAD_BYTES || !codec.typeByte ||
    codec.lengthFieldBytes !== 4 || codec.littleEndian
  ) return undefined;
  const declared = new DataView(head.buffer, head.byteOffset, HEAD_BYTES)
    .getUint32(1);
  if (declared <= codec.maxFrameLength) return undefined;
  if (head[0] >= 0x14 && head[0] <= 0x17 && head[1] === 0x03 && head[2] <= 4) {
    return "TLS";
  }
  const other = sniffProtocol(head);
  return other === "HTTP" || other === "SSH" ? other : undefined;
}

/**
 * A TLS library error as a typed error, or `undefined` for the others
 * (reset, refused...): the server is not TLS, or its certificate is
 * refused.
 */
export function tlsStartError(error: unknown): Error | undefined {
  const message = error instanceof Error ? error.message : "";
  const certificate = /invalid peer certificate: ([A-Za-z]+)/.exec(message);
  if (certificate !== null) {
    return new TlsCertificateError(certificate[1], { cause: error });
  }
  if (/InvalidContentType|corrupt message|WrongVersion/.test(message)) {
    return new ProtocolMismatchError("plain", { cause: error });
  }
  return undefined;
}

type Shadowable = {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
};

/**
 * Watches the start of a connection: for a plain one, its first
 * {@linkcode HEAD_BYTES} bytes; for a TLS one, the handshake that the first
 * read or write runs. Failures become the typed errors above.
 */
export function watchServerStart(
  conn: Deno.Conn,
  tls: boolean,
  codec: ResolvedFrameCodecOptions,
): void {
  const own = conn as unknown as Shadowable;
  const read = own.read;
  const write = own.write;
  if (tls) {
    const mapped = (error: unknown) => {
      throw tlsStartError(error) ?? error;
    };
    own.read = (buffer) =>
      read.call(conn, buffer).then((count) => {
        // Bytes arrived: the handshake is over.
        delete (own as Partial<Shadowable>).read;
        return count;
      }, mapped);
    own.write = (bytes) =>
      write.call(conn, bytes).then((count) => {
        delete (own as Partial<Shadowable>).write;
        return count;
      }, mapped);
    return;
  }
  const head = new Uint8Array(HEAD_BYTES);
  let length = 0;
  own.read = async (buffer) => {
    const count = await read.call(conn, buffer);
    if (count === null) return count;
    const take = Math.min(count, HEAD_BYTES - length);
    head.set(buffer.subarray(0, take), length);
    length += take;
    if (length < HEAD_BYTES) return count;
    delete (own as Partial<Shadowable>).read;
    const protocol = recogniseServer(head, codec);
    if (protocol !== undefined) throw new ProtocolMismatchError(protocol);
    return count;
  };
}
