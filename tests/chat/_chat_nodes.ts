// Copyright 2026 the framewire authors. MIT license.
// Helpers for the failover tests: chat "nodes" (in-process ChatServers that
// share one SQLite store and one in-process bus, so they act as one chat),
// and a loopback TCP proxy in front of a node that can die the way a
// killed node does: every socket closed at once, no Error frame, and, if
// asked, after swallowing what the node sent last (an ack lost with it).
import { FrameRouter, serve, type Server } from "../../mod.ts";
import {
  type ChatBus,
  ChatServer,
  InProcessChatBus,
  SqliteChatStore,
} from "../../chat/mod.ts";
import { TEST_ITERATIONS } from "./_chat_utils.ts";

/** A node: its chat server and its listener. */
export interface ChatNode {
  readonly chat: ChatServer;
  readonly server: Server;
  readonly port: number;
}

/**
 * Runs `fn` with `count` nodes over one store and bus; stops all after.
 * `busOf` may put a node behind a bus of its own over the shared one.
 */
export async function withNodes(
  count: number,
  fn: (nodes: ChatNode[]) => Promise<void>,
  busOf: (node: number, shared: ChatBus) => ChatBus = (_, shared) => shared,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "framewire_nodes_" });
  const store = new SqliteChatStore(`${dir}/chat.db`);
  const bus = new InProcessChatBus();
  const nodes = Array.from({ length: count }, (_, node) => {
    const chat = new ChatServer({
      store,
      bus: busOf(node, bus),
      passwordIterations: TEST_ITERATIONS,
      adminToken: "t0ken",
      logger: null,
    });
    const server = serve(
      { port: 0, logger: null, lingerMs: 50 },
      new FrameRouter().use(chat),
    );
    return { chat, server, port: server.port! };
  });
  try {
    await fn(nodes);
  } finally {
    for (const { server, chat } of nodes) {
      await server.shutdown({ timeoutMs: 200 });
      await chat.close();
    }
    await bus.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A TCP proxy on 127.0.0.1 in front of one port. */
export class NodeProxy implements AsyncDisposable {
  readonly #listener: Deno.TcpListener;
  readonly #target: number;
  readonly #sockets = new Set<Deno.Conn>();
  readonly #pumps = new Set<Promise<void>>();
  #accepting: Promise<void>;
  #gate = Promise.withResolvers<void>();
  #killed = false;
  /** While true, bytes from the client are dropped (they never arrive). */
  dropUp = false;
  /** While true, bytes from the node are dropped (answers are lost). */
  dropDown = false;

  /**
   * @param target The node's port.
   * @param open Whether new connections are forwarded at once; otherwise
   * they wait for {@linkcode open} (the client sees a node that accepted
   * and does not answer yet).
   */
  constructor(target: number, open = true) {
    this.#target = target;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    if (open) this.#gate.resolve();
    this.#accepting = this.#accept();
  }

  /** `127.0.0.1:PORT` of the proxy. */
  get address(): string {
    return `127.0.0.1:${this.#listener.addr.port}`;
  }

  /** The proxy's port. */
  get port(): number {
    return this.#listener.addr.port;
  }

  /** Starts forwarding connections that wait. */
  open(): void {
    this.#gate.resolve();
  }

  /** The node dies: listener and every socket closed at once. */
  async kill(): Promise<void> {
    if (!this.#killed) {
      this.#killed = true;
      this.#gate.resolve();
      this.#listener.close();
      for (const socket of this.#sockets) {
        try {
          socket.close();
        } catch {
          // Closed by its pump already.
        }
      }
      this.#sockets.clear();
    }
    await this.#accepting;
    while (this.#pumps.size > 0) await Promise.all([...this.#pumps]);
  }

  /**
   * The network drops every connection through the proxy at once; the proxy
   * keeps listening, so a client can connect again.
   */
  cut(): void {
    for (const socket of this.#sockets) {
      try {
        socket.close();
      } catch {
        // Closed by its pump already.
      }
    }
    this.#sockets.clear();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.kill();
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) {
        this.#sockets.add(client);
        this.#track(this.#forward(client));
      }
    } catch {
      // Closed by kill().
    }
  }

  async #forward(client: Deno.Conn): Promise<void> {
    await this.#gate.promise;
    if (this.#killed) return;
    let node: Deno.Conn;
    try {
      node = await Deno.connect({ hostname: "127.0.0.1", port: this.#target });
    } catch {
      this.#close(client);
      return;
    }
    if (this.#killed) {
      node.close();
      return;
    }
    this.#sockets.add(node);
    this.#track(this.#pump(client, node, () => this.dropUp));
    this.#track(this.#pump(node, client, () => this.dropDown));
  }

  async #pump(from: Deno.Conn, to: Deno.Conn, drop: () => boolean) {
    const buffer = new Uint8Array(16 * 1024);
    try {
      while (true) {
        const n = await from.read(buffer);
        if (n === null) break;
        if (drop()) continue;
        let offset = 0;
        while (offset < n) offset += await to.write(buffer.subarray(offset, n));
      }
    } catch {
      // Reset or closed by kill().
    }
    this.#close(from);
    this.#close(to);
  }

  #close(socket: Deno.Conn): void {
    if (!this.#sockets.delete(socket)) return;
    try {
      socket.close();
    } catch {
      // Already closed.
    }
  }

  #track(pump: Promise<void>): void {
    this.#pumps.add(pump);
    pump.finally(() => this.#pumps.delete(pump));
  }
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export function deadAddress(): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return `127.0.0.1:${port}`;
}
