// Copyright 2026 the framewire authors. MIT license.
// The part of the npm NATS client (`@nats-io/transport-node`) that
// NatsChatBus uses, as our own small interfaces: the client's types stay out
// of the public API (no slow types for `deno publish`), and nothing imports
// the package in a way the module graph sees, so a single-node server never
// downloads it. The module is loaded on first use by `loadNats()`.

/** A received NATS message. */
export interface NatsMsg {
  readonly subject: string;
  readonly reply?: string;
  readonly data: Uint8Array;
}

/** A subscription of the client. */
export interface NatsSub {
  unsubscribe(max?: number): void;
}

/** A client status notification (disconnect, reconnect, …). */
export interface NatsStatus {
  readonly type: string;
}

/** A client connection. */
export interface NatsConn {
  publish(
    subject: string,
    payload?: string | Uint8Array,
    options?: { reply?: string },
  ): void;
  subscribe(
    subject: string,
    options: { callback: (error: Error | null, msg: NatsMsg) => void },
  ): NatsSub;
  status(): AsyncIterable<NatsStatus>;
  flush(): Promise<void>;
  drain(): Promise<void>;
  close(): Promise<void>;
  closed(): Promise<void | Error>;
  isClosed(): boolean;
}

/** The options of `connect` that we set. */
export interface NatsConnectOptions {
  servers: string | string[];
  name?: string;
  maxReconnectAttempts?: number;
  reconnectTimeWait?: number;
  reconnectJitter?: number;
  timeout?: number;
  pingInterval?: number;
  maxPingOut?: number;
}

interface NatsModule {
  connect(options: NatsConnectOptions): Promise<NatsConn>;
}

/**
 * The client, pinned. The same as deno.json "imports" (a test checks it),
 * but written out here and held in a variable: a dynamic import of a
 * literal is part of the module graph, and Deno would fetch the package
 * for every user of the chat module (`deno info`, `deno cache`, a first
 * run), cluster or not. From a variable it is fetched on first use only,
 * and resolves the same from a checkout or from the published package.
 */
export const NATS_CLIENT = "npm:@nats-io/transport-node@3.4.0";

let loaded: Promise<NatsModule> | undefined;

/** The NATS client module, imported on first call. */
export function loadNats(): Promise<NatsModule> {
  const specifier: string = NATS_CLIENT;
  loaded ??= import(specifier).then((module) => module as NatsModule);
  return loaded;
}
