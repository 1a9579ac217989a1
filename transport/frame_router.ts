// Copyright 2026 the framewire authors. MIT license.
/**
 * Server handlers, and a router that lets protocol modules register the
 * frame types they handle.
 *
 * @module
 */
import { type Frame, FrameType } from "../codec/frame.ts";
import { ErrorCode, ProtocolError } from "./protocol_errors.ts";
import type { ServerConnection } from "./server_connection.ts";

/**
 * What a handler returns for a frame: one reply, several, or nothing.
 * Returned frames are the frame's replies: they are written in frame order
 * and with backpressure (see {@linkcode serve}).
 */
export type HandlerResult = Frame | readonly Frame[] | void | undefined | null;

/**
 * Handles one frame from a client. Frames of one connection are handled one
 * at a time, in arrival order: the next starts once this one's promise
 * settles. Throw {@linkcode ProtocolError} to answer with an Error frame.
 */
export type FrameHandler = (
  frame: Frame,
  conn: ServerConnection,
) => HandlerResult | Promise<HandlerResult>;

/**
 * The limits a server tells its handler and protocols when it starts
 * ({@linkcode ServerHandler.onServe}), so that a protocol sizes what it
 * sends (file chunks, history answers) from the server's own settings
 * instead of every caller re-deriving them.
 */
export interface ServerLimits {
  /** Largest payload the server accepts from a client, in bytes. */
  readonly maxFrameLength: number;
  /** Largest payload the server may send to a client, in bytes. */
  readonly maxSendFrameLength: number;
}

/**
 * A server's application logic. The server itself answers Ping with Pong,
 * records ClientType frames and logs Error frames from clients; every other
 * frame goes to `onFrame`.
 */
export interface ServerHandler {
  /**
   * Frame types `onFrame` accepts. A frame of any other type is refused from
   * its header, before its payload is read: the client gets a
   * `FRAME_TYPE_UNKNOWN` Error frame and is closed. ClientType frames reach
   * `onFrame` only if listed here.
   *
   * @default {undefined} (every type reaches `onFrame`)
   */
  readonly frameTypes?: Iterable<number>;
  /**
   * Called once by `serve()` with the server's limits, before it listens.
   * A throw makes `serve()` throw: the handler cannot work within them.
   *
   * @param limits The server's frame limits.
   */
  onServe?(limits: ServerLimits): void;
  /**
   * Called once per connection, before its first frame is handled.
   *
   * @param conn The new connection.
   */
  onConnect?(conn: ServerConnection): void | Promise<void>;
  /**
   * Handles one frame; see {@linkcode FrameHandler}.
   *
   * @param frame The frame.
   * @param conn Its connection.
   * @returns The replies, if any.
   */
  onFrame(
    frame: Frame,
    conn: ServerConnection,
  ): HandlerResult | Promise<HandlerResult>;
  /**
   * Called once when a connection has closed. A throw or a rejected promise
   * is logged (`handler_error`); nothing waits for the promise.
   *
   * @param conn The closed connection.
   */
  onClose?(conn: ServerConnection): void | Promise<void>;
}

/**
 * A protocol module: the frame types it owns and their handlers, plus
 * optional connection hooks. Plug it into a {@linkcode FrameRouter}.
 */
export interface ServerProtocol {
  /** Name for error messages, such as `"chat"`. */
  readonly name: string;
  /** Handler per frame type. */
  readonly routes: Readonly<Record<number, FrameHandler>>;
  /**
   * Called once when a server starts with this protocol, with the server's
   * limits; see {@linkcode ServerHandler.onServe}.
   *
   * @param limits The server's frame limits.
   */
  onServe?(limits: ServerLimits): void;
  /**
   * Called for every new connection.
   *
   * @param conn The new connection.
   */
  onConnect?(conn: ServerConnection): void | Promise<void>;
  /**
   * Called when a connection has closed. A throw or rejection does not keep
   * the other protocols' `onClose` from running.
   *
   * @param conn The closed connection.
   */
  onClose?(conn: ServerConnection): void | Promise<void>;
  /**
   * Sees every ClientType frame (type 3), for a login. Unlike a route, any
   * number of protocols may have this hook: each is called in registration
   * order (after the server has recorded the client type) and their replies
   * are sent in that order, so a protocol answers only the ClientType
   * payloads that are meant for it and returns nothing for the others.
   *
   * @param frame The ClientType frame.
   * @param conn Its connection.
   * @returns The replies, if any.
   */
  onClientType?: FrameHandler;
}

/**
 * Dispatches frames to a handler per frame type. Protocol modules register
 * their types with {@linkcode FrameRouter.prototype.use}; registering a type
 * twice throws, so two protocols can never silently fight over a number.
 * Frames of unregistered types are refused with `FRAME_TYPE_UNKNOWN` and a
 * close.
 *
 * @example Route Debug frames and an application type
 * ```ts
 * import { FrameRouter, FrameType } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const router = new FrameRouter()
 *   .route(FrameType.Debug, () => undefined)
 *   .use({
 *     name: "echo",
 *     routes: { 200: (frame) => ({ type: 201, payload: frame.payload }) },
 *   });
 * assert.deepEqual([...router.frameTypes].sort(), [1, 200]);
 * assert.throws(() => router.route(200, () => undefined), TypeError);
 * ```
 */
export class FrameRouter implements ServerHandler {
  #routes = new Map<number, { handler: FrameHandler; owner: string }>();
  #protocols: ServerProtocol[] = [];
  #clientTypeHooks: FrameHandler[] = [];

  /** Frame types with a route; ClientType too when a protocol has `onClientType`. */
  get frameTypes(): Set<number> {
    const types = new Set(this.#routes.keys());
    if (this.#clientTypeHooks.length > 0) types.add(FrameType.ClientType);
    return types;
  }

  /**
   * Routes one frame type to a handler.
   *
   * @param type The frame type, 0–255.
   * @param handler Its handler.
   * @param owner Name shown if another route claims the type.
   * @returns This router, for chaining.
   * @throws {TypeError} If the type already has a route.
   * @throws {RangeError} If the type is not an integer from 0 to 255.
   */
  route(type: number, handler: FrameHandler, owner = "route"): this {
    if (!Number.isInteger(type) || type < 0 || type > 255) {
      throw new RangeError(
        `Cannot route frame type ${
          String(type)
        }: expected an integer from 0 to 255`,
      );
    }
    const existing = this.#routes.get(type);
    if (existing !== undefined) {
      throw new TypeError(
        `Cannot route frame type ${type} for "${owner}": already routed for "${existing.owner}"`,
      );
    }
    this.#routes.set(type, { handler, owner });
    return this;
  }

  /**
   * Registers every route of a protocol module, and its hooks.
   *
   * @param protocol The protocol module.
   * @returns This router, for chaining.
   * @throws {TypeError} If one of its types already has a route; nothing of
   * the protocol is registered then.
   */
  use(protocol: ServerProtocol): this {
    const entries = Object.entries(protocol.routes);
    for (const [key] of entries) {
      const existing = this.#routes.get(Number(key));
      if (existing !== undefined) {
        throw new TypeError(
          `Cannot route frame type ${key} for "${protocol.name}": already routed for "${existing.owner}"`,
        );
      }
    }
    for (const [key, handler] of entries) {
      this.route(Number(key), handler, protocol.name);
    }
    this.#protocols.push(protocol);
    if (protocol.onClientType !== undefined) {
      this.#clientTypeHooks.push(protocol.onClientType.bind(protocol));
    }
    return this;
  }

  /**
   * Tells every protocol the server's limits, in registration order.
   *
   * @param limits The server's frame limits.
   */
  onServe(limits: ServerLimits): void {
    for (const protocol of this.#protocols) protocol.onServe?.(limits);
  }

  /**
   * Runs every protocol's `onConnect`, in registration order.
   *
   * @param conn The new connection.
   */
  async onConnect(conn: ServerConnection): Promise<void> {
    for (const protocol of this.#protocols) await protocol.onConnect?.(conn);
  }

  /**
   * Dispatches a frame to its route.
   *
   * @param frame The frame.
   * @param conn Its connection.
   * @returns The route's replies.
   * @throws {ProtocolError} `FRAME_TYPE_UNKNOWN` (closing) if the type has
   * no route.
   */
  onFrame(
    frame: Frame,
    conn: ServerConnection,
  ): HandlerResult | Promise<HandlerResult> {
    const route = this.#routes.get(frame.type);
    if (
      frame.type === FrameType.ClientType && this.#clientTypeHooks.length > 0
    ) {
      return this.#clientType(frame, conn, route?.handler);
    }
    if (route === undefined) {
      throw new ProtocolError(
        ErrorCode.FrameTypeUnknown,
        `Cannot handle frame: type ${frame.type} is not accepted`,
        { close: true },
      );
    }
    return route.handler(frame, conn);
  }

  /** Runs every `onClientType` hook, then the route if any; replies in that order. */
  async #clientType(
    frame: Frame,
    conn: ServerConnection,
    route: FrameHandler | undefined,
  ): Promise<Frame[]> {
    const replies: Frame[] = [];
    const handlers = route === undefined
      ? this.#clientTypeHooks
      : [...this.#clientTypeHooks, route];
    for (const handler of handlers) {
      const result = await handler(frame, conn);
      if (result === undefined || result === null) continue;
      if (Array.isArray(result)) replies.push(...result);
      else replies.push(result as Frame);
    }
    return replies;
  }

  /**
   * Runs every protocol's `onClose`, each even if an earlier one failed, so
   * one protocol's fault does not leak another's per-connection state.
   *
   * @param conn The closed connection.
   * @returns A promise when a hook returned one.
   * @throws {Error} The failure, or an `AggregateError` of several.
   */
  onClose(conn: ServerConnection): void | Promise<void> {
    const errors: unknown[] = [];
    const pending: Promise<void>[] = [];
    for (const protocol of this.#protocols) {
      try {
        const result = protocol.onClose?.(conn);
        if (result !== undefined && typeof result.then === "function") {
          pending.push(
            Promise.resolve(result).then(() => {}, (e) => void errors.push(e)),
          );
        }
      } catch (error) {
        errors.push(error);
      }
    }
    if (pending.length === 0) return throwAny(errors);
    return Promise.all(pending).then(() => throwAny(errors));
  }
}

function throwAny(errors: unknown[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new AggregateError(
      errors,
      errors.map((e) => e instanceof Error ? e.message : String(e)).join("; "),
    );
  }
}
