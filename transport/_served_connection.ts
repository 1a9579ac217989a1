// Copyright 2026 the framewire authors. MIT license.
// The server side of one client: the per-connection loop, replies with
// backpressure, pushes with the slow-reader cut-off, and the closing dance.
import { checkFrame } from "../codec/check_frame.ts";
import { type Frame, FrameType } from "../codec/frame.ts";
import type { ResolvedFrameCodecOptions } from "../codec/options.ts";
import {
  describeBytes,
  type SniffingConn,
  sniffProtocol,
} from "./_protocol_sniff.ts";
import { isBadFrameError } from "./_bad_frame.ts";
import { ConnectionClosedError, SendQueueFullError } from "./errors.ts";
import type { ByteConn, FramedConn, FramedConnStats } from "./framed_conn.ts";
import type { HandlerResult, ServerHandler } from "./frame_router.ts";
import { Liveness, type LivenessLimits } from "./_liveness.ts";
import {
  ErrorCode,
  type ErrorCodeValue,
  errorFrame,
  parseErrorFrame,
  ProtocolError,
} from "./protocol_errors.ts";
import { type LogEvent, peerText } from "./log.ts";
import type {
  ConnectionInfo,
  ServerConnection,
  ServerTransport,
} from "./server_connection.ts";

/** What a connection needs from its server. */
export interface ServedConnectionContext {
  handler: ServerHandler;
  /** Whether ClientType frames go to the handler too. */
  passClientType: boolean;
  /** Resolved send options, to validate replies before queueing them. */
  sendOptions: ResolvedFrameCodecOptions;
  maxQueuedBytes: number;
  /** Longest wait for a closing peer to read our Error frame and hang up. */
  lingerMs: number;
  log(event: LogEvent): void;
  isShuttingDown(): boolean;
  onClosed(conn: ServedConnection): void;
  /** The timeouts the server's sweep checks ({@linkcode Liveness}). */
  limits: LivenessLimits;
  /** Bytes of a frame header on receive, to tell frame boundaries. */
  headerLength: number;
  /** The connection completed its first frame: it can no longer be evicted. */
  onFirstFrame(conn: ServedConnection): void;
}

const CLIENT_TYPE_MAX_CHARS = 64;
const DRAIN_BUFFER_BYTES = 16 * 1024;
const INTERRUPTED = Symbol("interrupted");
const EMPTY = new Uint8Array(0);
const textDecoder = new TextDecoder();

export class ServedConnection implements ServerConnection {
  readonly id: number;
  readonly transport: ServerTransport;
  readonly remoteAddress: string;
  /** `Date.now()` at the accept; `connectedAt` is made from it on demand. */
  readonly connectedAtMs: number = Date.now();
  readonly conn: FramedConn<SniffingConn<ByteConn>>;
  clientType: string | undefined;
  closeReason: ErrorCodeValue | undefined;
  /** Set while a batch of frames is being handled. */
  busy = false;

  #ctx: ServedConnectionContext;
  // Made when first asked for (Date, AbortController, `done`): an idle
  // connection, one of thousands, should carry nothing it may never need.
  #connectedAt: Date | undefined;
  #controller: AbortController | undefined;
  #closing = false;
  #aborted = false;
  #goodbye: Promise<void> | undefined;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined;
  #interrupt: (() => void) | undefined;
  #done: PromiseWithResolvers<void> | undefined;
  #finished = false;
  #liveness = new Liveness(performance.now());
  // Bytes of the frames handed to this loop, and of the Pongs among them:
  // past the first, a frame has started; without the second, what is left
  // is application traffic (for the idle timeout).
  #framesTaken = 0;
  #frameBytesTaken = 0;
  #pongBytes = 0;

  constructor(
    id: number,
    transport: ServerTransport,
    remoteAddress: string,
    conn: FramedConn<SniffingConn<ByteConn>>,
    ctx: ServedConnectionContext,
  ) {
    this.id = id;
    this.transport = transport;
    this.remoteAddress = remoteAddress;
    this.conn = conn;
    this.#ctx = ctx;
  }

  get connectedAt(): Date {
    return this.#connectedAt ??= new Date(this.connectedAtMs);
  }

  get stats(): Readonly<FramedConnStats> {
    return this.conn.stats;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(abortReason());
    }
    return this.#controller.signal;
  }

  get closed(): boolean {
    return this.#closing;
  }

  /** Resolves once the loop has ended and the socket is closed. */
  get done(): Promise<void> {
    if (this.#finished) return Promise.resolve();
    return (this.#done ??= Promise.withResolvers()).promise;
  }

  info(): ConnectionInfo {
    const stats = this.conn.stats;
    return {
      id: this.id,
      transport: this.transport,
      remoteAddress: this.remoteAddress,
      clientType: this.clientType,
      connectedAt: this.connectedAt,
      bytesIn: stats.bytesReceived,
      bytesOut: stats.bytesSent,
      framesIn: stats.framesReceived,
      framesOut: stats.framesSent,
      queuedBytes: this.conn.queuedBytes,
    };
  }

  send(frame: Frame): Promise<void> {
    return this.sendMany([frame]);
  }

  sendMany(frames: readonly Frame[]): Promise<void> {
    const sent = this.conn.sendMany(frames);
    sent.catch((error) => {
      if (error instanceof SendQueueFullError) this.#slowReader(error);
    });
    return sent;
  }

  close(code?: ErrorCodeValue, message?: string): Promise<void> {
    this.terminate(code ?? "CLOSED", code, message ?? "");
    return this.done;
  }

  /**
   * Starts closing: no more frames are handled; the Error frame (if any) is
   * sent, then our write side is shut. The loop reads and drops what the
   * peer still sends until it hangs up or `lingerMs` passes, so the peer
   * gets our Error frame instead of a reset that could destroy it.
   */
  terminate(
    reason: ErrorCodeValue,
    code?: ErrorCodeValue,
    message = "",
  ): void {
    if (this.#closing) return;
    this.#closing = true;
    this.closeReason ??= reason;
    this.#lingerTimer = setTimeout(() => this.abort(), this.#ctx.lingerMs);
    this.#goodbye = (async () => {
      try {
        if (code !== undefined) await this.conn.send(errorFrame(code, message));
        await this.conn.closeWrite();
      } catch {
        // The peer is gone or the socket was aborted: nothing left to say.
      }
    })();
  }

  /** Closes the socket at once; pending reads end, pending sends reject. */
  abort(reason?: ErrorCodeValue): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#closing = true;
    this.closeReason ??= reason ?? "CLOSED";
    clearTimeout(this.#lingerTimer);
    this.conn.close();
    this.#interrupt?.();
    this.#controller?.abort(abortReason());
  }

  /**
   * The sweep's visit, every few hundred milliseconds: first frame, frame
   * stall, idle, heartbeat and send-progress clocks ({@linkcode Liveness}).
   */
  checkLiveness(now: number): void {
    // A closing connection is already bounded by its linger timer.
    if (this.#closing) return;
    const stats = this.conn.stats;
    // Frames FramedConn consumed itself never reach this loop; their bytes
    // cannot be told apart, so take the stream to be at a boundary rather
    // than risk calling a quiet peer stalled.
    if (stats.framesReceived !== this.#framesTaken) {
      if (this.#framesTaken === 0) this.#ctx.onFirstFrame(this);
      this.#framesTaken = stats.framesReceived;
      this.#frameBytesTaken = stats.bytesReceived;
    }
    const verdict = this.#liveness.check(now, {
      bytesIn: stats.bytesReceived,
      appBytesIn: stats.bytesReceived - this.#pongBytes,
      framesIn: stats.framesReceived,
      insideFrame: stats.bytesReceived > this.#frameBytesTaken,
      busy: this.busy,
      queuedBytes: this.conn.queuedBytes,
      bytesWritten: this.conn.conn.bytesWritten,
    }, this.#ctx.limits);
    if (verdict === undefined) return;
    if (verdict.action === "ping") {
      // A full queue refuses it: the send-progress clock handles that peer.
      this.conn.send({ type: FrameType.Ping, payload: EMPTY }).catch(() => {});
      return;
    }
    this.#log(verdict.level, verdict.event, verdict.message, verdict.code);
    if (verdict.sendError) {
      this.terminate(verdict.code, verdict.code, verdict.message);
    } else {
      this.abort(verdict.code);
    }
  }

  /** Serves the connection until it closes; never rejects. */
  async run(): Promise<void> {
    // Inlined, not a method: a suspended async call costs ~400 B per conn.
    try {
      const onConnect = this.#ctx.handler.onConnect?.(this);
      if (onConnect !== undefined) {
        if ((await this.#interruptible(onConnect)) === INTERRUPTED) return;
      }
      while (!this.#closing) {
        if (this.#ctx.isShuttingDown()) {
          this.terminate(
            ErrorCode.ShuttingDown,
            ErrorCode.ShuttingDown,
            "Closing: the server is shutting down",
          );
          return;
        }
        let frames: Frame[] | null;
        try {
          frames = await this.conn.receiveMany();
        } catch (error) {
          this.#receiveFailed(error);
          return;
        }
        if (frames === null) {
          this.closeReason ??= "PEER_CLOSED";
          return;
        }
        this.#took(frames);
        // Closed while we waited: the frames will never be answered.
        if (this.#closing) return;
        this.busy = true;
        try {
          await this.#handleBatch(frames);
        } finally {
          this.busy = false;
        }
      }
    } catch (error) {
      this.#log(
        "error",
        "handler_error",
        `Cannot serve connection: ${errorText(error)}`,
        ErrorCode.InternalError,
      );
    } finally {
      if (this.#closing && !this.#aborted) {
        await this.#drain();
        await this.#goodbye;
      }
      this.abort(this.closeReason ?? "PEER_CLOSED");
      this.#ctx.onClosed(this);
      const onCloseFailed = (error: unknown) =>
        this.#log(
          "error",
          "handler_error",
          `Cannot run onClose: ${errorText(error)}`,
        );
      try {
        const closing = this.#ctx.handler.onClose?.(this);
        // An async onClose is allowed by its type; its rejection must not
        // go unhandled, which would end the process.
        if (isPromiseLike(closing)) closing.then(undefined, onCloseFailed);
      } catch (error) {
        onCloseFailed(error);
      }
      this.#log(
        "info",
        "connection_closed",
        `Closed (${this.closeReason}) after ${this.conn.stats.framesReceived} frames in, ${this.conn.stats.framesSent} out`,
      );
      this.#finished = true;
      this.#done?.resolve();
    }
  }

  /**
   * Handles every frame one read brought, in order, before reading again:
   * pipelined requests never sit in a buffer while we wait for the socket.
   */
  async #handleBatch(frames: Frame[]): Promise<void> {
    let lastReply: Promise<void> | undefined;
    for (let i = 0; i < frames.length; i++) {
      if (this.#closing) return;
      const frame = frames[i];
      const type = frame.type;
      if (type === FrameType.Ping) {
        const pong = this.#checkReplies({
          type: FrameType.Pong,
          payload: frame.payload,
        });
        if (!this.#hasRoom(pong.bytes)) await this.#makeRoom(pong.bytes);
        lastReply = this.#reply(pong.frames) ?? lastReply;
        continue;
      }
      if (type === FrameType.Pong) {
        // The answer to a heartbeat Ping: proof of life, not traffic.
        this.#pongBytes += this.#ctx.headerLength + frame.payload.length;
        continue;
      }
      if (type === FrameType.ClientType) {
        this.clientType = parseClientType(frame.payload);
        if (!this.#ctx.passClientType) continue;
      }
      if (type === FrameType.Error) {
        const { code, message } = parseErrorFrame(frame);
        // Both are the peer's: escaped and cut, so that its Error frames
        // cannot forge log lines or fill the disk (see peerText).
        const shownCode = peerText(code);
        this.#log(
          "warn",
          "peer_error",
          `Peer reported ${shownCode}: ${peerText(message)}`,
          shownCode,
        );
        continue;
      }
      let result: HandlerResult;
      try {
        const value = this.#ctx.handler.onFrame(frame, this);
        if (isPromiseLike(value)) {
          const settled = await this.#interruptible(value);
          if (settled === INTERRUPTED) return;
          result = settled;
        } else {
          result = value;
        }
      } catch (error) {
        if (error instanceof ProtocolError) {
          this.#log("warn", "frame_refused", errorText(error), error.code);
          if (error.close) {
            this.terminate(error.code, error.code, error.message);
            return;
          }
          result = errorFrame(error.code, error.message);
        } else {
          this.#log(
            "error",
            "handler_error",
            `Cannot handle frame of type ${type}: ${errorText(error)}`,
            ErrorCode.InternalError,
          );
          result = internalErrorFrame();
        }
      }
      if (result !== undefined && result !== null) {
        const replies = this.#checkReplies(result);
        if (!this.#hasRoom(replies.bytes)) await this.#makeRoom(replies.bytes);
        lastReply = this.#reply(replies.frames) ?? lastReply;
      }
    }
    // Backpressure: read no more from this client until its replies are
    // written, so a client that does not read stalls only itself.
    if (lastReply !== undefined) await lastReply;
  }

  /** Counts frames as the reader hands them over, for the sweep. */
  #took(frames: Frame[]): void {
    const first = this.#framesTaken === 0;
    let bytes = 0;
    for (let i = 0; i < frames.length; i++) {
      bytes += this.#ctx.headerLength + frames[i].payload.length;
    }
    this.#framesTaken += frames.length;
    this.#frameBytesTaken += bytes;
    if (first && frames.length > 0) this.#ctx.onFirstFrame(this);
  }

  /**
   * Validates replies synchronously, so that a bad reply becomes an
   * INTERNAL_ERROR in its own slot and the reply order is kept.
   */
  #checkReplies(
    result: Frame | readonly Frame[],
  ): { frames: readonly Frame[]; bytes: number } {
    const frames: readonly Frame[] = isFrameList(result) ? result : [result];
    let bytes = 0;
    try {
      for (let i = 0; i < frames.length; i++) {
        bytes += checkFrame(frames[i], this.#ctx.sendOptions);
      }
      return { frames, bytes };
    } catch (error) {
      this.#log(
        "error",
        "handler_error",
        `Cannot send reply: ${errorText(error)}`,
        ErrorCode.InternalError,
      );
      const frame = internalErrorFrame();
      return {
        frames: [frame],
        bytes: checkFrame(frame, this.#ctx.sendOptions),
      };
    }
  }

  /** Whether `bytes` more fit in the outbound queue. */
  #hasRoom(bytes: number): boolean {
    const queued = this.conn.queuedBytes;
    return queued === 0 || queued + bytes <= this.#ctx.maxQueuedBytes;
  }

  /**
   * The producer-waits half of the slow-reader policy: wait until what is
   * queued is written. The loop reads nothing meanwhile, so the client's
   * own writes stall in TCP and server memory stays bounded.
   */
  async #makeRoom(bytes = 0): Promise<void> {
    while (!this.#closing && !this.#hasRoom(bytes)) {
      try {
        // Resolves once everything queued before it is written.
        await this.conn.flush();
      } catch {
        return;
      }
    }
  }

  /** Queues replies; the promise never rejects (failure closes the conn). */
  #reply(frames: Frame | readonly Frame[]): Promise<void> | undefined {
    if (this.#closing) return undefined;
    return this.conn.sendMany(isFrameList(frames) ? frames : [frames])
      .catch(() => {});
  }

  #receiveFailed(error: unknown): void {
    if (this.#closing) return;
    if (isBadFrameError(error)) {
      const head = this.conn.conn.head;
      const protocol = this.conn.stats.framesReceived === 0
        ? sniffProtocol(head)
        : undefined;
      const code: ErrorCodeValue = protocol !== undefined
        ? ErrorCode.ProtocolMismatch
        : error.code;
      const message = protocol !== undefined
        ? `Cannot decode frame: the peer speaks ${protocol}, not framewire (first bytes ${
          describeBytes(head)
        })`
        : error.message;
      this.#log("warn", "protocol_error", message, code);
      this.terminate(code, code, message);
      return;
    }
    // Reset by the peer, TLS handshake failure, and the like: nobody to tell.
    const text = errorText(error);
    const code = this.transport === "tls" ? "TLS_ERROR" : "CONNECTION_ERROR";
    this.#log("warn", "connection_error", `Cannot read: ${text}`, code);
    this.closeReason ??= code;
  }

  #slowReader(error: SendQueueFullError): void {
    if (this.#aborted) return;
    this.#log(
      "warn",
      "slow_reader",
      `Closing: the client does not read (${error.message})`,
      ErrorCode.SlowReader,
    );
    // No Error frame: it would wait behind the full queue it is about.
    this.abort(ErrorCode.SlowReader);
  }

  /** Reads and drops what a closing peer still sends, until it hangs up. */
  async #drain(): Promise<void> {
    const buffer = new Uint8Array(DRAIN_BUFFER_BYTES);
    try {
      while ((await this.conn.conn.read(buffer)) !== null) {
        // Discard: after an error the stream cannot be trusted.
      }
    } catch {
      // Aborted by the linger timer, or reset by the peer.
    }
  }

  /** Waits for a handler's promise, unless the connection is aborted first. */
  #interruptible<T>(promise: PromiseLike<T>): Promise<T | typeof INTERRUPTED> {
    if (this.#aborted) return Promise.resolve(INTERRUPTED);
    return new Promise<T | typeof INTERRUPTED>((resolve, reject) => {
      this.#interrupt = () => resolve(INTERRUPTED);
      promise.then(resolve, reject);
    }).finally(() => {
      this.#interrupt = undefined;
    });
  }

  #log(
    level: LogEvent["level"],
    event: string,
    message: string,
    code?: ErrorCodeValue,
  ): void {
    this.#ctx.log({
      level,
      event,
      message,
      code,
      connectionId: this.id,
      remoteAddress: this.remoteAddress,
    });
  }
}

/** Why `signal` is aborted. */
function abortReason(): Error {
  return new ConnectionClosedError("handle frame");
}

function internalErrorFrame(): Frame {
  return errorFrame(
    ErrorCode.InternalError,
    "Cannot handle frame: the server failed",
  );
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" &&
    typeof (value as PromiseLike<unknown>).then === "function";
}

function isFrameList(
  value: Frame | readonly Frame[],
): value is readonly Frame[] {
  return Array.isArray(value);
}

/** A handler's error for the log: its message may quote what a peer sent. */
function errorText(error: unknown): string {
  return peerText(error instanceof Error ? error.message : String(error), 2000);
}

/**
 * The declared client type: a JSON object's `type` field, else the text;
 * cut short so that credentials sent alongside stay out of listings.
 */
export function parseClientType(payload: Uint8Array): string {
  const text = textDecoder.decode(payload).trim();
  if (text.startsWith("{")) {
    // A JSON payload may carry credentials next to its type (chat logins
    // do), so only the `type` field is ever shown, never the raw text, even
    // when the JSON is malformed.
    try {
      const value = JSON.parse(text);
      if (typeof value?.type === "string") {
        return value.type.slice(0, CLIENT_TYPE_MAX_CHARS);
      }
      return "(json without type)";
    } catch {
      return "(invalid json)";
    }
  }
  return text.slice(0, CLIENT_TYPE_MAX_CHARS);
}
