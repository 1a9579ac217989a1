// Copyright 2026 the framewire authors. MIT license.
// NatsChatBus against a real nats-server on a loopback port: one server per
// test (it starts in about 50 ms), two handles as two nodes. Ignored when
// nats-server is not installed, unless FRAMEWIRE_REQUIRE_SERVICES=1.
import assert from "node:assert/strict";
import {
  type ChatAdminConnectionInfo,
  type ChatBusEvent,
  NatsChatBus,
  type NatsChatBusOptions,
} from "../../chat/mod.ts";
import { natsBinary, type NatsInstance, startNats } from "../../dev/nats.ts";
import { NATS_CLIENT } from "../../chat/_nats_client.ts";
import { until } from "../_utils.ts";
import { chatBusContract } from "./_chat_bus_contract.ts";
import { NodeProxy } from "./_chat_nodes.ts";

const required = Deno.env.get("FRAMEWIRE_REQUIRE_SERVICES") === "1";
const ignore = natsBinary() === undefined && !required;
const missing = ignore ? " (ignored: nats-server not installed)" : "";

let prefixes = 0;
/** A subject prefix of its own per test, as clusters sharing a broker. */
function prefix(): string {
  return `test${Deno.pid}.t${prefixes++}`;
}

/** Short waits, so that the reconnect tests take well under a second. */
const FAST: NatsChatBusOptions = {
  requestTimeoutMs: 200,
  reconnectWaitMs: 50,
  connectTimeoutMs: 2_000,
};

interface Cluster {
  readonly nats: NatsInstance;
  readonly a: NatsChatBus;
  readonly b: NatsChatBus;
  readonly subjectPrefix: string;
}

async function twoNodes(
  nats: NatsInstance,
  subjectPrefix = prefix(),
): Promise<[NatsChatBus, NatsChatBus]> {
  const a = await NatsChatBus.connect(nats.url, {
    ...FAST,
    subjectPrefix,
    nodeId: "a",
  });
  try {
    const b = await NatsChatBus.connect(nats.url, {
      ...FAST,
      subjectPrefix,
      nodeId: "b",
    });
    return [a, b];
  } catch (error) {
    await a.close();
    throw error;
  }
}

if (ignore) {
  Deno.test({
    name: `NatsChatBus contract${missing}`,
    ignore: true,
    fn() {},
  });
} else {
  chatBusContract("NatsChatBus", async () => {
    const nats = await startNats();
    try {
      const nodes = await twoNodes(nats);
      return {
        nodes,
        async dispose() {
          await Promise.all(nodes.map((node) => node.close()));
          await nats.stop();
        },
      };
    } catch (error) {
      await nats.stop();
      throw error;
    }
  });
}

/** Runs `fn` with a fresh nats-server and two handles, all closed after. */
function natsTest(
  name: string,
  fn: (cluster: Cluster) => Promise<void>,
): void {
  Deno.test({
    name: `NatsChatBus ${name}${missing}`,
    ignore,
    async fn() {
      const nats = await startNats();
      try {
        const subjectPrefix = prefix();
        const [a, b] = await twoNodes(nats, subjectPrefix);
        try {
          await fn({ nats, a, b, subjectPrefix });
        } finally {
          await a.close();
          await b.close();
        }
      } finally {
        await nats.stop();
      }
    },
  });
}

function connection(id: number, node: string): ChatAdminConnectionInfo {
  return {
    id,
    remoteAddress: `127.0.0.1:${40000 + id}`,
    clientType: "chat",
    user: `user${id}`,
    admin: false,
    open: [],
    connectedAt: 1_700_000_000_000,
    bytesIn: 10,
    bytesOut: 20,
    node,
  };
}

natsTest(
  "reconnects after a broker restart on the same port, resyncs, and delivers again",
  async ({ nats, a, b }) => {
    const onA: ChatBusEvent[] = [];
    const onB: ChatBusEvent[] = [];
    await a.subscribe((event) => onA.push(event));
    await b.subscribe((event) => onB.push(event));
    assert.equal(a.connected, true);
    await nats.kill();
    await until(() => !a.connected && !b.connected, 2_000, "both disconnected");
    // Disconnected: publish fails fast instead of hanging or buffering.
    await assert.rejects(
      a.publish({ type: "presence", user: "x", session: "s0", online: true }),
      /disconnected/,
    );
    await nats.start();
    await until(() => a.connected && b.connected, 5_000, "both reconnected");
    await until(
      () =>
        onA.some((event) => event.type === "resync") &&
        onB.some((event) => event.type === "resync"),
      2_000,
      "resync on both",
    );
    await a.publish({
      type: "presence",
      user: "alice",
      session: "s1",
      online: true,
    });
    await until(
      () => onB.some((event) => event.type === "presence"),
      2_000,
      "presence after the restart",
    );
    // B resyncs for its own reconnect, and maybe again for A's hello.
    assert.equal(onB[0].type, "resync");
    assert.deepEqual(
      onB.filter((event) => event.type !== "resync").map((event) => event.type),
      ["presence"],
    );
    // The session recorded while disconnected counts too: it is online here.
    assert.deepEqual(await b.online(), ["alice", "x"]);
  },
);

natsTest(
  "forgets a closed node's users and connections",
  async ({ nats, a, b, subjectPrefix }) => {
    await a.subscribe(() => {}, { connections: () => [connection(1, "a")] });
    await b.subscribe(() => {}, { connections: () => [connection(2, "b")] });
    await a.publish({
      type: "presence",
      user: "alice",
      session: "s1",
      online: true,
    });
    await b.publish({
      type: "presence",
      user: "bob",
      session: "s2",
      online: true,
    });
    assert.deepEqual(await b.online(), ["alice", "bob"]);
    assert.deepEqual(
      (await b.connections()).map((info) => [info.node, info.id]),
      [["a", 1], ["b", 2]],
    );
    await a.close();
    const start = performance.now();
    assert.deepEqual(await b.online(), ["bob"]);
    assert.deepEqual(
      (await b.connections()).map((info) => [info.node, info.id]),
      [["b", 2]],
    );
    // It said goodbye: nobody waits for its answer.
    assert.ok(performance.now() - start < 150, "gathers did not wait");
    // A node that joins later sees the same.
    const c = await NatsChatBus.connect(nats.url, { ...FAST, subjectPrefix });
    try {
      assert.deepEqual(await c.online(), ["bob"]);
    } finally {
      await c.close();
    }
  },
);

natsTest(
  "returns from a gather within its timeout when a node is silent, then stops waiting for it",
  async ({ nats, b, subjectPrefix }) => {
    await b.subscribe(() => {}, { connections: () => [connection(2, "b")] });
    // A gatherer with a long timeout, so that "it waited for the silent
    // node" and "it did not" are a second apart, whatever the load.
    const c = await NatsChatBus.connect(nats.url, {
      ...FAST,
      requestTimeoutMs: 2_000,
      subjectPrefix,
      nodeId: "c",
    });
    try {
      // A node that announced itself and then died without a goodbye
      // (kill -9): a raw client says hello on the node subject and goes away.
      const { connect } = await import("@nats-io/transport-node");
      const ghost = await connect({ servers: nats.url });
      try {
        ghost.publish(
          `${subjectPrefix}.node`,
          JSON.stringify({ handle: "ghost", up: true, answer: false }),
        );
        await ghost.flush();
      } finally {
        await ghost.close();
        await ghost.closed();
      }
      const gather = async () => {
        const start = performance.now();
        assert.deepEqual((await c.connections()).map((info) => info.node), [
          "b",
        ]);
        return performance.now() - start;
      };
      // The hello reaches c on its own time: gather until one waits for it.
      let first = 0;
      for (let i = 0; i < 10 && first < 1_000; i++) first = await gather();
      assert.ok(first >= 1_000, `no gather waited for the ghost (${first} ms)`);
      const again = await gather();
      assert.ok(again < 1_000, `the next gather waited again (${again} ms)`);
    } finally {
      await c.close();
    }
  },
);

Deno.test("NatsChatBus loads the client version pinned in deno.json imports", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  assert.equal(config.imports["@nats-io/transport-node"], NATS_CLIENT);
});

Deno.test("NatsChatBus.connect refuses bad options before connecting", async () => {
  // No broker at this URL: the options fail first, with the usual message.
  const url = "nats://127.0.0.1:1";
  await assert.rejects(
    NatsChatBus.connect(url, { subjectPrefix: "a.*" }),
    (error: unknown) =>
      error instanceof TypeError &&
      /Cannot use subjectPrefix "a\.\*"/.test(error.message),
  );
  await assert.rejects(
    NatsChatBus.connect(url, { requestTimeoutMs: 0 }),
    (error: unknown) =>
      error instanceof RangeError &&
      /Cannot use requestTimeoutMs 0/.test(error.message),
  );
  await assert.rejects(
    NatsChatBus.connect(url, { nodeId: "" }),
    TypeError,
  );
});

natsTest(
  "closes promptly while the broker is down, leaving no timer or socket",
  async ({ nats, a }) => {
    await nats.kill();
    await until(() => !a.connected, 2_000, "disconnected");
    const start = performance.now();
    await a.close();
    assert.ok(
      performance.now() - start < 500,
      "close did not wait for the broker",
    );
    assert.equal(a.connected, false);
    // Closed: publishes are dropped, not rejected.
    await a.publish({
      type: "presence",
      user: "z",
      session: "s9",
      online: true,
    });
    assert.deepEqual(await a.online(), []);
  },
);

Deno.test({
  name:
    `NatsChatBus: when one node reconnects, the nodes that stayed connected resync too${missing}`,
  ignore,
  async fn() {
    // What the reconnected node stored while it was cut off was never
    // published: the others must read it from the store.
    const nats = await startNats();
    try {
      const port = Number(new URL(nats.url).port);
      await using proxy = new NodeProxy(port);
      const subjectPrefix = prefix();
      const a = await NatsChatBus.connect(`nats://${proxy.address}`, {
        ...FAST,
        subjectPrefix,
        nodeId: "a",
      });
      const b = await NatsChatBus.connect(nats.url, {
        ...FAST,
        subjectPrefix,
        nodeId: "b",
      });
      try {
        const onB: ChatBusEvent[] = [];
        await b.subscribe((event) => onB.push(event));
        let bLost = false;
        const watch = setInterval(() => bLost ||= !b.connected, 5);
        try {
          proxy.cut();
          await until(() => !a.connected, 2_000, "a to notice the cut");
          await until(() => a.connected, 5_000, "a to reconnect");
          await until(
            () => onB.some((event) => event.type === "resync"),
            2_000,
            "a resync on b",
          );
        } finally {
          clearInterval(watch);
        }
        assert.equal(bLost, false, "b stayed connected");
      } finally {
        await a.close();
        await b.close();
      }
    } finally {
      await nats.stop();
    }
  },
});
