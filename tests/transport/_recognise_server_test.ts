// Copyright 2026 the framewire authors. MIT license.
// The client recognises a server that speaks another protocol on its first
// bytes (TLS, HTTP) or refuses its TLS start (no TLS there, an untrusted
// certificate), with typed errors instead of "frame too large" or the TLS
// library's words. Real loopback servers; TLS uses the test-only
// certificate in tests/fixtures.
import assert from "node:assert/strict";
import {
  connect,
  type ConnectOptions,
  FrameType,
  ProtocolMismatchError,
  resolveFrameCodecOptions,
  serve,
  TlsCertificateError,
} from "../../mod.ts";
import {
  recogniseServer,
  tlsStartError,
} from "../../transport/_recognise_server.ts";

const fixtures = new URL("../fixtures/", import.meta.url);
const cert = Deno.readTextFileSync(new URL("tls_cert.pem", fixtures));
const key = Deno.readTextFileSync(new URL("tls_key.pem", fixtures));
const codec = resolveFrameCodecOptions();

/** Pings once through `options` and returns what the request threw. */
async function pingError(options: ConnectOptions): Promise<unknown> {
  using client = await connect(options);
  try {
    await client.request({ type: FrameType.Ping, payload: new Uint8Array(1) }, {
      timeoutMs: 5_000,
    });
  } catch (error) {
    return error;
  }
  return undefined;
}

Deno.test("a plain client of a TLS server fails with PROTOCOL_MISMATCH naming TLS", async () => {
  await using server = serve({ port: 0, logger: null, tls: { cert, key } });
  const error = await pingError({ port: server.port! });
  assert.ok(error instanceof ProtocolMismatchError, String(error));
  assert.equal(error.code, "PROTOCOL_MISMATCH");
  assert.equal(error.peerProtocol, "TLS");
});

Deno.test("a TLS client of a plain server fails with PROTOCOL_MISMATCH naming plain", async () => {
  await using server = serve({ port: 0, logger: null });
  const error = await pingError({
    port: server.port!,
    tls: { caCerts: [cert] },
  });
  assert.ok(error instanceof ProtocolMismatchError, String(error));
  assert.equal(error.peerProtocol, "plain");
});

Deno.test("a TLS client without the server's CA fails with TLS_CERTIFICATE UnknownIssuer", async () => {
  await using server = serve({ port: 0, logger: null, tls: { cert, key } });
  const error = await pingError({ port: server.port!, tls: true });
  assert.ok(error instanceof TlsCertificateError, String(error));
  assert.equal(error.code, "TLS_CERTIFICATE");
  assert.equal(error.reason, "UnknownIssuer");
});

Deno.test("a plain client of an HTTP server fails with PROTOCOL_MISMATCH naming HTTP", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const answered = (async () => {
    using conn = await listener.accept();
    await conn.read(new Uint8Array(64));
    await conn.write(
      new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n"),
    );
  })();
  const error = await pingError({ port: listener.addr.port });
  await answered;
  assert.ok(error instanceof ProtocolMismatchError, String(error));
  assert.equal(error.peerProtocol, "HTTP");
});

Deno.test("a TLS client with the CA still talks to the TLS server, and a plain one to a plain server", async () => {
  await using tls = serve({ port: 0, logger: null, tls: { cert, key } });
  await using plain = serve({ port: 0, logger: null });
  assert.equal(
    await pingError({
      hostname: "localhost",
      port: tls.port!,
      tls: { caCerts: [cert] },
    }),
    undefined,
  );
  assert.equal(await pingError({ port: plain.port! }), undefined);
});

Deno.test("recogniseServer names a TLS record or HTTP only when the header would be refused anyway", () => {
  const alert = new Uint8Array([0x15, 0x03, 0x03, 0x00, 0x02]);
  assert.equal(recogniseServer(alert, codec), "TLS");
  assert.equal(
    recogniseServer(new TextEncoder().encode("HTTP/"), codec),
    "HTTP",
  );
  // The same bytes are a frame a client with a 64 MiB limit accepts.
  assert.equal(
    recogniseServer(
      alert,
      resolveFrameCodecOptions({ maxFrameLength: 2 ** 26 }),
    ),
    undefined,
  );
  // A small frame of type 21 is a frame.
  assert.equal(
    recogniseServer(new Uint8Array([0x15, 0, 0, 0, 2]), codec),
    undefined,
  );
  // Too few bytes, or another header profile: no judgement.
  assert.equal(recogniseServer(alert.subarray(0, 4), codec), undefined);
  assert.equal(
    recogniseServer(alert, resolveFrameCodecOptions({ typeByte: false })),
    undefined,
  );
});

Deno.test("tlsStartError maps the TLS library's messages and leaves other errors alone", () => {
  const untrusted = tlsStartError(
    new Error("invalid peer certificate: NotValidForName"),
  );
  assert.ok(untrusted instanceof TlsCertificateError);
  assert.equal(untrusted.reason, "NotValidForName");
  const plain = tlsStartError(
    new Error("received corrupt message of type InvalidContentType"),
  );
  assert.ok(plain instanceof ProtocolMismatchError);
  assert.equal(plain.peerProtocol, "plain");
  assert.equal(
    tlsStartError(new Deno.errors.ConnectionReset("reset")),
    undefined,
  );
});
