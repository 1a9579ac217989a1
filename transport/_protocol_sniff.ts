// Copyright 2026 the framewire authors. MIT license.
// Recognising a peer that speaks another protocol from its first bytes.
//
// Read as a framewire header, "GET /" is type 71 with a 1.16 GB length and a
// TLS ClientHello (16 03 01 ...) is type 22 with a ~50 MB length: the decoder
// rightly says "frame too large", which sends the person debugging the wrong
// way. These signatures let the server name the real cause instead.
import type { ByteConn } from "./framed_conn.ts";

/** Bytes kept from the start of a connection for sniffing. */
export const SNIFF_BYTES = 8;

const HTTP_PREFIXES = [
  "GET ",
  "POST",
  "PUT ",
  "HEAD",
  "DELE",
  "OPTI",
  "PATC",
  "CONN",
  "TRAC",
  "PRI ", // HTTP/2 connection preface "PRI * HTTP/2.0"
  "HTTP", // a response: we connected to a web server
];

/**
 * Names the protocol the bytes look like ("HTTP", "TLS", "SSH"), or returns
 * `undefined` when they could be framewire.
 */
export function sniffProtocol(bytes: Uint8Array): string | undefined {
  if (bytes.length >= 3 && bytes[0] === 0x16 && bytes[1] === 0x03) {
    // TLS record: handshake (22), version 3.x (SSL 3.0 to TLS 1.3 all say 3).
    if (bytes[2] <= 0x04) return "TLS";
  }
  if (bytes.length < 4) return undefined;
  const head = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (head === "SSH-") return "SSH";
  if (HTTP_PREFIXES.includes(head)) return "HTTP";
  return undefined;
}

/** Printable form of the first bytes, for logs: `"GET /" (47 45 54 20 2f)`. */
export function describeBytes(bytes: Uint8Array): string {
  let text = "";
  const hex: string[] = [];
  for (const byte of bytes) {
    text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ".";
    hex.push(byte.toString(16).padStart(2, "0"));
  }
  return `${JSON.stringify(text)} (${hex.join(" ")})`;
}

/**
 * A byte stream that remembers its first {@linkcode SNIFF_BYTES} bytes read.
 * After that, reads pass straight through.
 */
export class SniffingConn<C extends ByteConn> implements ByteConn {
  readonly inner: C;
  #head = new Uint8Array(SNIFF_BYTES);
  #headLength = 0;
  #bytesWritten = 0;

  constructor(inner: C) {
    this.inner = inner;
  }

  /** The first bytes read so far (up to {@linkcode SNIFF_BYTES}). */
  get head(): Uint8Array {
    return this.#head.subarray(0, this.#headLength);
  }

  read(buffer: Uint8Array): Promise<number | null> {
    if (this.#headLength === SNIFF_BYTES) return this.inner.read(buffer);
    return this.inner.read(buffer).then((count) => {
      if (count !== null && this.#headLength < SNIFF_BYTES) {
        const take = Math.min(count, SNIFF_BYTES - this.#headLength);
        this.#head.set(buffer.subarray(0, take), this.#headLength);
        this.#headLength += take;
      }
      return count;
    });
  }

  /**
   * Bytes the socket has accepted so far, counted per `write` call: the
   * server's send timeout needs progress inside a large frame too, which
   * the frame-level `bytesSent` only counts once the whole frame is out.
   */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  write(bytes: Uint8Array): Promise<number> {
    return this.inner.write(bytes).then((count) => {
      this.#bytesWritten += count;
      return count;
    });
  }

  close(): void {
    this.inner.close();
  }

  closeWrite(): Promise<void> {
    return this.inner.closeWrite?.() ?? Promise.resolve();
  }
}
