// Copyright 2026 the framewire authors. MIT license.
/**
 * Errors of a client whose server turns out to speak another protocol, or
 * whose TLS certificate is refused. {@linkcode connect} recognises both on
 * the connection's first bytes, so the program can say what to change
 * instead of "frame too large" or a TLS library's internal name.
 *
 * @module
 */

/**
 * What a {@linkcode ProtocolMismatchError} found on the other end:
 * `"TLS"` (a TLS server, reached without TLS), `"HTTP"` (a web server),
 * `"SSH"`, or `"plain"` (no TLS, reached with TLS).
 */
export type PeerProtocol = "TLS" | "HTTP" | "SSH" | "plain";

/**
 * The server speaks another protocol than this client: TLS while the client
 * connected without it, no TLS while the client asked for it, or HTTP.
 * Raised by the first read (or, for TLS, the first read or write) of a
 * connection made with {@linkcode connect}; the connection is unusable.
 *
 * @example
 * ```ts
 * import { ProtocolMismatchError } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const error = new ProtocolMismatchError("TLS");
 * assert.equal(error.code, "PROTOCOL_MISMATCH");
 * assert.equal(error.peerProtocol, "TLS");
 * assert.match(error.message, /speaks TLS/);
 * ```
 */
export class ProtocolMismatchError extends Error {
  /** Stable error code (the one a server uses for the same mistake). */
  readonly code = "PROTOCOL_MISMATCH" as const;
  /** What the server speaks. */
  readonly peerProtocol: PeerProtocol;

  /**
   * Constructs a new instance.
   *
   * @param peerProtocol What the server speaks.
   * @param options Standard error options, such as the `cause`.
   */
  constructor(peerProtocol: PeerProtocol, options?: ErrorOptions) {
    super(
      peerProtocol === "plain"
        ? "Cannot start TLS: the server does not speak TLS; connect without tls"
        : peerProtocol === "TLS"
        ? "Cannot read a frame: the server speaks TLS; connect with tls"
        : `Cannot read a frame: the server speaks ${peerProtocol}, not framewire`,
      options,
    );
    this.name = "ProtocolMismatchError";
    this.peerProtocol = peerProtocol;
  }
}

/**
 * The server's TLS certificate was refused: `reason` is the check that
 * failed, such as `"UnknownIssuer"` (not signed by a trusted CA: a
 * self-signed certificate needs `tls.caCerts`) or `"NotValidForName"`
 * (issued for another host name).
 *
 * @example
 * ```ts
 * import { TlsCertificateError } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const error = new TlsCertificateError("UnknownIssuer");
 * assert.equal(error.code, "TLS_CERTIFICATE");
 * assert.match(error.message, /not trusted/);
 * ```
 */
export class TlsCertificateError extends Error {
  /** Stable error code. */
  readonly code = "TLS_CERTIFICATE" as const;
  /** The failed check, as the TLS library names it. */
  readonly reason: string;

  /**
   * Constructs a new instance.
   *
   * @param reason The failed check, such as `"UnknownIssuer"`.
   * @param options Standard error options, such as the `cause`.
   */
  constructor(reason: string, options?: ErrorOptions) {
    super(
      reason === "UnknownIssuer"
        ? "Cannot start TLS: the server's certificate is not trusted (UnknownIssuer); add its CA to tls.caCerts"
        : `Cannot start TLS: the server's certificate is refused (${reason})`,
      options,
    );
    this.name = "TlsCertificateError";
    this.reason = reason;
  }
}
