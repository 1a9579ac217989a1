// Copyright 2026 the framewire authors. MIT license.
// Helpers for the server tests: a log collector, a deadline race that fails
// a test instead of hanging it, raw connections that read until the server
// hangs up, and a seeded random source.
import {
  type Frame,
  FrameDecoder,
  type LogEvent,
  parseErrorFrame,
} from "../../mod.ts";
import { until, within } from "../_utils.ts";
export { until, within };

/** Collects log events; `find` returns the first matching one. */
export class LogCollector {
  readonly events: LogEvent[] = [];
  readonly logger = (event: LogEvent): void => {
    this.events.push(event);
  };

  find(event: string): LogEvent | undefined {
    return this.events.find((entry) => entry.event === event);
  }
}

/** Everything a raw connection got until the peer hung up, decoded. */
export interface ReadToEnd {
  frames: Frame[];
  /** Whether the stream ended cleanly (or was reset) after the frames. */
  ended: boolean;
}

/**
 * Reads a raw connection until EOF (or reset) and decodes the frames.
 * Resets count as an end: after an Error frame the server may close hard.
 */
export async function readToEnd(conn: Deno.Conn): Promise<ReadToEnd> {
  const decoder = new FrameDecoder({ maxFrameLength: 1 << 24 });
  const frames: Frame[] = [];
  const buffer = new Uint8Array(64 * 1024);
  while (true) {
    let count: number | null;
    try {
      count = await conn.read(buffer);
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionReset) break;
      throw error;
    }
    if (count === null) break;
    frames.push(...decoder.push(buffer.slice(0, count)));
  }
  return { frames, ended: true };
}

/** The `{code}` of the Error frames among `frames`. */
export function errorCodes(frames: Frame[]): string[] {
  return frames.filter((frame) => frame.type === 5).map((frame) =>
    parseErrorFrame(frame).code
  );
}

/** Writes all of `bytes` to a raw conn. */
export async function writeRaw(
  conn: Deno.Conn,
  bytes: Uint8Array,
): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    written += await conn.write(bytes.subarray(written));
  }
}
export { seededRandom } from "../_utils.ts";

/**
 * Resolves once the server has really closed `conn` (not just shut its write
 * side): bytes written to a closed socket draw a reset, so writes fail.
 */
export async function untilClosedByPeer(conn: Deno.Conn): Promise<void> {
  const byte = new Uint8Array([0]);
  while (true) {
    try {
      await conn.write(byte);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
