// Copyright 2026 the framewire authors. MIT license.
// What the driver (peers.ts) and the two programs of a `bench:peers` run
// (_peers_proc.ts) agree on: the jobs, the result line, the constants.

/** Payload of the small-message scenarios, in bytes. */
export const SMALL_PAYLOAD = 16;
/** Frame type of bulk frames and pipelined requests. */
export const BULK_TYPE = 200;
/** Frame type of replies (ping-pong, requests); first byte of a raw one. */
export const REPLY_TYPE = 201;
/** The receiver's last word: all received and checked. */
export const ACK = 0x61;
/** Requests outstanding at once in the pipelined scenario. */
export const PIPELINE_WINDOW = 1000;
/** Frames per sendMany call. */
export const SEND_MANY_BATCH = 1024;

/**
 * How the small-message sender of framewire builds and sends: `await` one
 * `send()` per message; `many`: `sendMany` of 1,024 reused frames; `fresh`:
 * `sendMany` of 1,024 frames each with a newly allocated payload (what most
 * code does); `writer`: `conn.sendWith()`, messages written into the batch.
 */
export type SmallStyle = "await" | "many" | "fresh" | "writer";

/**
 * How the raw receiver of the bulk scenario reads: `stream` reads 1 MiB at
 * a time into one buffer and keeps no frame (the ceiling of the socket, not a
 * program that uses its frames); `reuse` reads each header, then each
 * payload whole into one buffer reused for every frame (what `release()`
 * does); `fresh` reads each payload into a new buffer (what a plain `for
 * await` loop that may keep its payloads must do).
 */
export type RawBulkReceiver = "stream" | "reuse" | "fresh";

/**
 * One scenario run, as both programs receive it (JSON on the command line).
 * `warmup` messages (round trips, requests) go first, untimed: the sender
 * waits for the receiver's ack of them before it starts the clock. A fresh
 * process runs its first hundred thousand or so messages in V8's
 * interpreter and baseline tiers, several times slower than the optimised
 * code a long-lived program runs; the rows measure the latter.
 */
export type Job =
  | { scenario: "small"; count: number; style: SmallStyle; warmup?: number }
  | {
    scenario: "bulk";
    count: number;
    size: number;
    /** framewire's receiver gives each payload back with `release()`. */
    release: boolean;
    /** The raw receiver: see RawBulkReceiver. */
    raw?: RawBulkReceiver;
  }
  | { scenario: "pingpong"; count: number; size: number; warmup?: number }
  | { scenario: "conns"; connections: number; count: number }
  | { scenario: "pipelined"; count: number; warmup?: number };

/** What the client program prints as its last line (JSON). */
export interface Result {
  /** Wall time of the work, in ms, from the client's first send to the ack. */
  ms: number;
  /** Round-trip times in ms (ping-pong). */
  times?: number[];
}
