// Copyright 2026 the framewire authors. MIT license.
// Request/response over a framed connection, with pipelining. Private: a
// second Requester on a connection would race FramedConn.request for the
// replies, so the one way in is FramedConn.prototype.request.
//
// The matching rule: replies come back in request order. A peer that
// follows it (the framewire server does: it handles each connection's
// frames one at a time, in arrival order, and queues replies in that order)
// answers every request with exactly one frame, so the n-th frame received
// answers the n-th request sent. No request id is needed on the wire, and
// any number of requests may be in flight before the first reply arrives.
//
// - A reply of type Error (5) rejects its request with RemoteError; any
//   other frame resolves it.
// - A request that times out (or is aborted) keeps its place: its late
//   reply is read and dropped, so the requests after it still get their own.
// - A request whose frame was refused before any byte was written (too
//   large, bad type) takes no place in the order.
// - Frames are read for requests only while some are pending.
import type { Frame } from "../codec/frame.ts";
import { FrameType } from "../codec/frame.ts";
import { checkNumber } from "../internal/options.ts";
import { Queue } from "../internal/queue.ts";
import { ConnectionClosedError, RequestTimeoutError } from "./errors.ts";
import { parseErrorFrame, RemoteError } from "./protocol_errors.ts";
import type { RequestOptions } from "./request_options.ts";

/** What a Requester needs from a connection. */
export interface RequestTarget {
  /**
   * Sends a frame.
   *
   * @param frame The frame to send.
   * @returns Resolves once written.
   */
  send(frame: Frame): Promise<void>;
  /**
   * Receives the next frame.
   *
   * @returns The frame, or `null` at the end of the stream.
   */
  receive(): Promise<Frame | null>;
}

interface Pending {
  resolve: (frame: Frame) => void;
  reject: (error: unknown) => void;
  // Settled early (timeout, abort): the reply is still read, then dropped.
  settled: boolean;
  // The frame was never written, so no reply will come for it.
  unsent: boolean;
  cleanup: (() => void) | undefined;
}

/** Matches replies to requests in order on one connection. */
export class Requester {
  #conn: RequestTarget;
  #pending = new Queue<Pending>();
  #pumping = false;

  /**
   * Constructs a new instance.
   *
   * @param conn The connection to send requests on.
   */
  constructor(conn: RequestTarget) {
    this.#conn = conn;
  }

  /** Requests sent whose reply has not been read yet (timed out included). */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /**
   * Sends a request and resolves to its reply.
   *
   * @param frame The request.
   * @param options Timeout and abort signal.
   * @returns The reply frame.
   * @throws {RemoteError} If the reply is an Error frame.
   * @throws {RequestTimeoutError} If no reply arrives within `timeoutMs`.
   * @throws {ConnectionClosedError} If the connection ends first.
   * @throws {FrameTooLargeError} If the request exceeds the send limit.
   * @throws {TypeError} If `timeoutMs` is not a number.
   * @throws {RangeError} If `timeoutMs` is negative or not finite.
   */
  request(frame: Frame, options: RequestOptions = {}): Promise<Frame> {
    const { timeoutMs, signal } = options;
    try {
      if (timeoutMs !== undefined) {
        checkNumber("timeoutMs", timeoutMs, { fractional: true });
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Frame>((resolve, reject) => {
      const pending: Pending = {
        resolve,
        reject,
        settled: false,
        unsent: false,
        cleanup: undefined,
      };
      const fail = (error: unknown) => this.#settle(pending, undefined, error);
      let timer: ReturnType<typeof setTimeout> | undefined;
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () => fail(new RequestTimeoutError(timeoutMs)),
          timeoutMs,
        );
      }
      const onAbort = () => fail(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      pending.cleanup = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      this.#pending.push(pending);
      this.#conn.send(frame).catch((error) => {
        // Refused before writing (size, type) or the connection broke: no
        // reply will come for this one. A refusal rejects in a microtask,
        // before any read can deliver a reply, so order is kept.
        pending.unsent = true;
        fail(error);
      });
      if (!this.#pumping) this.#pump();
    });
  }

  #settle(pending: Pending, frame: Frame | undefined, error?: unknown): void {
    if (pending.settled) return;
    pending.settled = true;
    pending.cleanup?.();
    if (frame !== undefined) pending.resolve(frame);
    else pending.reject(error);
  }

  /** Drops entries at the head that will never get a reply. */
  #skipUnsent(): void {
    while (this.#pending.length > 0 && this.#pending.peek()!.unsent) {
      this.#pending.shift();
    }
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      // Let a send refused at once (too large, queue full, closed) mark its
      // request unsent first: a read started for it would take a frame
      // meant for a later receive() and drop it.
      await undefined;
      while (true) {
        this.#skipUnsent();
        if (this.#pending.length === 0) return;
        let frame: Frame | null;
        try {
          frame = await this.#conn.receive();
        } catch (error) {
          this.#failAll(error);
          return;
        }
        if (frame === null) {
          this.#failAll(new ConnectionClosedError("receive a reply"));
          return;
        }
        this.#skipUnsent();
        const pending = this.#pending.shift();
        // A frame with no request waiting: nothing to match it to, and
        // receive() already took it; dropping it is all that is left.
        if (pending === undefined) return;
        if (frame.type === FrameType.Error) {
          this.#settle(
            pending,
            undefined,
            new RemoteError(parseErrorFrame(frame)),
          );
        } else {
          this.#settle(pending, frame);
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  #failAll(error: unknown): void {
    for (const pending of this.#pending.drain()) {
      this.#settle(pending, undefined, error);
    }
  }
}
