// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  connect,
  type FramedConn,
  FrameTooLargeError,
  listen,
} from "../../mod.ts";
import { patternBytes } from "./_utils.ts";

// Since Deno 2.8 the op and resource sanitizers are off unless asked for:
// every test here must close its sockets and settle its ops.
Deno.test.sanitizer({ ops: true, resources: true });

Deno.test("listen binds 127.0.0.1 on a port the OS picks", () => {
  using listener = listen();
  assert.equal(listener.addr.transport, "tcp");
  assert.equal(listener.addr.hostname, "127.0.0.1");
  assert(listener.addr.port > 0);
});

Deno.test("connect and accept give framed conns that exchange frames both ways", async () => {
  using listener = listen({ port: 0 });
  using client = await connect({ port: listener.addr.port });
  using server = await listener.accept();
  const request = { type: 0x80, payload: patternBytes(100_000, 1) };
  const reply = { type: 4, payload: new Uint8Array([1, 2, 3]) };
  await Promise.all([client.send(request), server.send(reply)]);
  const [atServer, atClient] = await Promise.all([
    server.receive(),
    client.receive(),
  ]);
  assert.equal(atServer?.type, request.type);
  assert.deepEqual(atServer?.payload, request.payload);
  assert.equal(atClient?.type, reply.type);
  assert.deepEqual(atClient?.payload, reply.payload);
  assert.equal(client.stats.bytesSent, server.stats.bytesReceived);
  assert.equal(server.stats.bytesSent, client.stats.bytesReceived);
});

Deno.test("listen applies its FramedConn options to every accepted conn", async () => {
  using listener = listen({ maxFrameLength: 100 });
  for (let i = 0; i < 2; i++) {
    using client = await connect({ port: listener.addr.port });
    using server = await listener.accept();
    await assert.rejects(
      server.send({ type: 0, payload: new Uint8Array(101) }),
      (error) =>
        error instanceof FrameTooLargeError && error.direction === "send",
    );
    await client.send({ type: 0, payload: new Uint8Array(101) });
    await assert.rejects(server.receive(), (error) => {
      assert(error instanceof FrameTooLargeError);
      assert.equal(error.direction, "receive");
      assert.equal(error.maxFrameLength, 100);
      return true;
    });
  }
});

Deno.test("FramedListener yields accepted conns to for await and ends when closed", async () => {
  using listener = listen();
  const clients = await Promise.all(
    [0, 1, 2].map(() => connect({ port: listener.addr.port })),
  );
  try {
    await Promise.all(
      clients.map((client, i) =>
        client.send({ type: 10 + i, payload: new Uint8Array([i]) })
      ),
    );
    const accepted: FramedConn<Deno.TcpConn>[] = [];
    const seen: number[] = [];
    let accepting!: () => void;
    const threeAccepted = new Promise<void>((resolve) => accepting = resolve);
    const loop = (async () => {
      for await (const conn of listener) {
        accepted.push(conn);
        seen.push((await conn.receive())!.type);
        if (accepted.length === 3) accepting();
      }
      return "ended";
    })();
    await threeAccepted;
    // Closing while the loop waits for a fourth client ends the loop.
    listener.close();
    listener.close(); // closing twice is harmless
    assert.equal(await loop, "ended");
    assert.deepEqual(seen.sort(), [10, 11, 12]);
    // Accepted conns outlive the listener.
    for (const conn of accepted) {
      await conn.send({ type: 1, payload: new Uint8Array([9]) });
    }
    for (const client of clients) {
      assert.deepEqual((await client.receive())?.payload, new Uint8Array([9]));
    }
    for (const conn of accepted) conn.close();
  } finally {
    for (const client of clients) client.close();
  }
});

Deno.test("FramedListener.accept after close rejects with BadResource", async () => {
  using listener = listen();
  listener.close();
  await assert.rejects(listener.accept(), Deno.errors.BadResource);
});

Deno.test("listen throws AddrInUse for a port already bound", () => {
  using first = listen();
  assert.throws(
    () => listen({ port: first.addr.port }),
    Deno.errors.AddrInUse,
  );
});

Deno.test("listen rejects invalid FramedConn options before binding", () => {
  assert.throws(
    () => listen({ port: 0, readBufferBytes: 0 }),
    (error) =>
      error instanceof RangeError && /readBufferBytes/.test(error.message),
  );
  assert.throws(() => listen({ port: 0, lengthFieldBytes: 3 as 4 }), TypeError);
});

const fixtures = new URL("../fixtures/", import.meta.url);
const certFile = new URL("tls_cert.pem", fixtures).pathname;
const keyFile = new URL("tls_key.pem", fixtures).pathname;
const cert = Deno.readTextFileSync(certFile);

Deno.test("listen over TLS accepts a TLS client and exchanges frames", async () => {
  using listener = listen({ port: 0, tls: { certFile, keyFile } });
  assert.equal(listener.transport, "tls");
  assert.match(listener.address, /^tls:\/\/127\.0\.0\.1:\d+$/);
  using client = await connect({
    hostname: "localhost",
    port: listener.addr.port,
    tls: { caCerts: [cert] },
  });
  using server = await listener.accept();
  await client.send({ type: 7, payload: new Uint8Array([1, 2]) });
  const frame = await server.receive();
  assert.equal(frame?.type, 7);
  await server.send({ type: 8, payload: frame!.payload });
  assert.deepEqual((await client.receive())?.payload, new Uint8Array([1, 2]));
});

Deno.test("listen over TLS takes PEM text as well as files", async () => {
  using listener = listen({
    tls: { cert, key: Deno.readTextFileSync(keyFile) },
  });
  using client = await connect({
    hostname: "localhost",
    port: listener.addr.port,
    tls: { caCerts: [cert] },
  });
  using server = await listener.accept();
  await server.send({ type: 9, payload: new Uint8Array() });
  assert.equal((await client.receive())?.type, 9);
});

Deno.test("listen on a Unix socket exchanges frames and removes its socket file on close", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/listen.sock`;
    {
      using listener = listen({ path, maxFrameLength: 10 });
      assert.equal(listener.transport, "unix");
      assert.equal(listener.address, `unix://${path}`);
      assert.equal(listener.addr.path, path);
      using client = await connect({ path });
      using server = await listener.accept();
      await client.send({ type: 1, payload: new Uint8Array([5]) });
      assert.deepEqual((await server.receive())?.payload, new Uint8Array([5]));
      // The connection options apply on Unix sockets too.
      await assert.rejects(
        server.send({ type: 1, payload: new Uint8Array(11) }),
        FrameTooLargeError,
      );
    }
    await assert.rejects(Deno.lstat(path), Deno.errors.NotFound);
    // The path can be bound again at once.
    using again = listen({ path });
    assert.equal(again.addr.path, path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
