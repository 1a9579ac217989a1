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

/** One scenario run, as both programs receive it (JSON on the command line). */
export type Job =
  | { scenario: "small"; count: number; style: SmallStyle }
  | { scenario: "bulk"; count: number; size: number; release: boolean }
  | { scenario: "pingpong"; count: number; size: number }
  | { scenario: "conns"; connections: number; count: number }
  | { scenario: "pipelined"; count: number };

/** What the client program prints as its last line (JSON). */
export interface Result {
  /** Wall time of the work, in ms, from the client's first send to the ack. */
  ms: number;
  /** Round-trip times in ms (ping-pong). */
  times?: number[];
}
