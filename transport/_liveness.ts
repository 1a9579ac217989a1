// Copyright 2026 the framewire authors. MIT license.
// The clocks of one served connection, and the verdict of each sweep: send
// a heartbeat Ping, close with a code, or nothing. Pure bookkeeping over
// counters the connection samples (no socket, no timer), so every timeout
// is tested without waiting and the server runs one sweep for all clients
// instead of a timer per connection.
//
// The sweep sees a counter move, not the moment a byte arrived: a clock
// restarts at the first sweep that sees new bytes, up to one sweep after
// the byte itself. The server sweeps every eighth of its shortest timeout,
// so with that and the sweep that notices the deadline a close comes at
// most a quarter of the timeout late, and never early.
import { ErrorCode, type ErrorCodeValue } from "./protocol_errors.ts";
import type { LogLevel } from "./log.ts";

/** The timeouts a sweep checks, in milliseconds; `Infinity` turns one off. */
export interface LivenessLimits {
  /** No application byte for this long: `IDLE_TIMEOUT`; `undefined`: off. */
  readonly idleTimeoutMs: number | undefined;
  /** Bytes queued for the peer and none written for this long: `SLOW_READER`. */
  readonly sendTimeoutMs: number;
  /** No byte at all for this long: the server sends a Ping. */
  readonly heartbeatMs: number;
  /** No byte for this long after that Ping: `HEARTBEAT_TIMEOUT`. */
  readonly heartbeatTimeoutMs: number;
  /** No byte for this long inside a started frame: `FRAME_STALLED`. */
  readonly frameStallMs: number;
  /** No complete frame this long after the accept: `FIRST_FRAME_TIMEOUT`. */
  readonly firstFrameTimeoutMs: number;
}

/** What the connection's counters say at one sweep. */
export interface LivenessSample {
  /** Every byte read from the peer. */
  readonly bytesIn: number;
  /** Bytes read minus the Pongs that answered our heartbeat Pings. */
  readonly appBytesIn: number;
  /** Complete frames read. */
  readonly framesIn: number;
  /** Whether bytes of a frame not yet complete have been read. */
  readonly insideFrame: boolean;
  /** Whether the server is handling the peer's frames (it reads nothing then). */
  readonly busy: boolean;
  /** Bytes queued for the peer and not yet written. */
  readonly queuedBytes: number;
  /** Bytes written to the socket so far. */
  readonly bytesWritten: number;
}

/** A close the sweep asks for. */
export interface LivenessClose {
  readonly action: "close";
  readonly code: ErrorCodeValue;
  readonly message: string;
  readonly level: LogLevel;
  readonly event: string;
  /**
   * Whether to tell the peer with an Error frame. Not for `SLOW_READER`:
   * the frame would wait behind the queue the peer does not read.
   */
  readonly sendError: boolean;
}

/** What one sweep asks of a connection. */
export type LivenessVerdict =
  | { readonly action: "ping" }
  | LivenessClose
  | undefined;

const PING: LivenessVerdict = { action: "ping" };

/** The clocks of one connection; see the file's opening comment. */
export class Liveness {
  readonly #openedAt: number;
  #lastBytesIn = 0;
  #lastByteAt: number;
  #lastAppBytesIn = 0;
  #lastAppAt: number;
  #pingSentAt: number | undefined;
  #lastBytesWritten = 0;
  #lastSendProgress: number | undefined;

  /** @param now `performance.now()` at the accept. */
  constructor(now: number) {
    this.#openedAt = now;
    this.#lastByteAt = now;
    this.#lastAppAt = now;
  }

  /** Whether a heartbeat Ping is waiting for an answer. */
  get awaitingPong(): boolean {
    return this.#pingSentAt !== undefined;
  }

  /**
   * One sweep: updates the clocks from `sample` and says what to do. At
   * most one action per sweep; a close wins over a Ping.
   */
  check(
    now: number,
    sample: LivenessSample,
    limits: LivenessLimits,
  ): LivenessVerdict {
    // While the server handles the peer's frames it reads nothing, so the
    // silence is ours, not the peer's: every clock restarts.
    if (sample.bytesIn !== this.#lastBytesIn || sample.busy) {
      this.#lastBytesIn = sample.bytesIn;
      this.#lastByteAt = now;
      this.#pingSentAt = undefined;
    }
    if (sample.appBytesIn !== this.#lastAppBytesIn || sample.busy) {
      this.#lastAppBytesIn = sample.appBytesIn;
      this.#lastAppAt = now;
    }
    return this.#sendProgress(now, sample, limits.sendTimeoutMs) ??
      this.#firstFrame(now, sample, limits.firstFrameTimeoutMs) ??
      this.#frameStall(now, sample, limits.frameStallMs) ??
      this.#idle(now, limits.idleTimeoutMs) ??
      this.#heartbeat(now, limits);
  }

  /**
   * A peer whose outbound queue has not moved for `sendTimeoutMs` does not
   * read, and would otherwise hold its slot (and its queued bytes) forever.
   */
  #sendProgress(
    now: number,
    sample: LivenessSample,
    sendTimeoutMs: number,
  ): LivenessVerdict {
    if (sample.queuedBytes === 0) {
      this.#lastSendProgress = undefined;
      return undefined;
    }
    // The clock starts at the first sweep that sees bytes waiting, so a
    // close comes late (by up to one sweep), never early.
    if (
      this.#lastSendProgress === undefined ||
      sample.bytesWritten !== this.#lastBytesWritten
    ) {
      this.#lastBytesWritten = sample.bytesWritten;
      this.#lastSendProgress = now;
      return undefined;
    }
    if (now - this.#lastSendProgress < sendTimeoutMs) return undefined;
    return close(
      ErrorCode.SlowReader,
      "warn",
      "slow_reader",
      `Closing: the client read nothing for ${sendTimeoutMs} ms (${sample.queuedBytes} bytes queued)`,
      false,
    );
  }

  /** Holding a slot without ever completing a frame costs an attacker nothing. */
  #firstFrame(
    now: number,
    sample: LivenessSample,
    firstFrameTimeoutMs: number,
  ): LivenessVerdict {
    if (sample.framesIn > 0 || now - this.#openedAt < firstFrameTimeoutMs) {
      return undefined;
    }
    return close(
      ErrorCode.FirstFrameTimeout,
      "info",
      "first_frame_timeout",
      `Closing: no complete frame within ${firstFrameTimeoutMs} ms of connecting`,
    );
  }

  /** A started frame must keep moving; a slow one that moves is never cut. */
  #frameStall(
    now: number,
    sample: LivenessSample,
    frameStallMs: number,
  ): LivenessVerdict {
    if (!sample.insideFrame || now - this.#lastByteAt < frameStallMs) {
      return undefined;
    }
    return close(
      ErrorCode.FrameStalled,
      "warn",
      "frame_stalled",
      `Closing: no byte for ${frameStallMs} ms inside a frame`,
    );
  }

  /** No application traffic: heartbeat Pongs do not count. */
  #idle(now: number, idleTimeoutMs: number | undefined): LivenessVerdict {
    if (idleTimeoutMs === undefined || now - this.#lastAppAt < idleTimeoutMs) {
      return undefined;
    }
    return close(
      ErrorCode.IdleTimeout,
      "info",
      "idle_timeout",
      `Closing: nothing received for ${idleTimeoutMs} ms`,
    );
  }

  /** A silent peer gets a Ping; a peer that does not answer it is gone. */
  #heartbeat(now: number, limits: LivenessLimits): LivenessVerdict {
    if (this.#pingSentAt !== undefined) {
      if (now - this.#pingSentAt < limits.heartbeatTimeoutMs) return undefined;
      return close(
        ErrorCode.HeartbeatTimeout,
        "info",
        "heartbeat_timeout",
        `Closing: no answer to a Ping within ${limits.heartbeatTimeoutMs} ms (silent for ${
          Math.round(now - this.#lastByteAt)
        } ms)`,
      );
    }
    if (now - this.#lastByteAt < limits.heartbeatMs) return undefined;
    this.#pingSentAt = now;
    return PING;
  }
}

function close(
  code: ErrorCodeValue,
  level: LogLevel,
  event: string,
  message: string,
  sendError = true,
): LivenessClose {
  return { action: "close", code, level, event, message, sendError };
}

/**
 * The shortest sweep period that keeps every close within a quarter of its
 * timeout late: an eighth of the shortest finite timeout, within bounds
 * (`undefined` when every timeout is off).
 */
export function sweepPeriodMs(
  limits: LivenessLimits,
  minMs: number,
  maxMs: number,
): number | undefined {
  const shortest = Math.min(
    limits.idleTimeoutMs ?? Infinity,
    limits.sendTimeoutMs,
    limits.heartbeatMs,
    // Without Pings there is no answer to wait for.
    limits.heartbeatMs === Infinity ? Infinity : limits.heartbeatTimeoutMs,
    limits.frameStallMs,
    limits.firstFrameTimeoutMs,
  );
  if (shortest === Infinity) return undefined;
  return Math.max(minMs, Math.min(maxMs, shortest / 8));
}
