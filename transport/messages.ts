// Copyright 2026 the framewire authors. MIT license.
/**
 * Plain string messages over a framed connection.
 *
 * @module
 */
import { UnknownFrameTypeError } from "../codec/errors.ts";
import { type Frame, FrameType } from "../codec/frame.ts";
import type { ByteConn, FramedConn } from "./framed_conn.ts";

/** Options for {@linkcode sendMessages} and {@linkcode receiveMessages}. */
export interface MessageOptions {
  /**
   * Frame type that carries the messages.
   *
   * @default {FrameType.Chat} (0)
   */
  type?: number;
}

const encoder = new TextEncoder();

/**
 * Sends strings as UTF-8 frames, coalesced into as few writes as possible.
 *
 * @param conn The framed connection.
 * @param messages The strings to send, in order.
 * @param options The frame type to use.
 * @returns Resolves once every message is written.
 * @throws {FrameTooLargeError} If a message's UTF-8 exceeds the send limit;
 * none is sent.
 * @throws The error of `messages` if iterating it throws; none is sent.
 *
 * @example Send and receive strings
 * ```ts
 * import { connect, listen, receiveMessages, sendMessages } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * using listener = listen({ port: 0 });
 * using client = await connect({ port: listener.addr.port });
 * using server = await listener.accept();
 * await sendMessages(client, ["hello!", "bye!"]);
 * await client.closeWrite();
 * assert.deepEqual(await Array.fromAsync(receiveMessages(server)), ["hello!", "bye!"]);
 * ```
 */
export function sendMessages(
  conn: FramedConn<ByteConn>,
  messages: Iterable<string>,
  options: MessageOptions = {},
): Promise<void> {
  const type = options.type ?? FrameType.Chat;
  const frames: Frame[] = [];
  try {
    for (const message of messages) {
      frames.push({ type, payload: encoder.encode(message) });
    }
  } catch (error) {
    // Callers await the promise: an iterable that fails must reject it, not
    // throw past their catch.
    return Promise.reject(error);
  }
  return conn.sendMany(frames);
}

/**
 * Receives UTF-8 frames as strings until the peer closes.
 *
 * @param conn The framed connection.
 * @param options The frame type expected.
 * @returns An async iterable of the messages.
 * @throws {UnknownFrameTypeError} If a frame of another type arrives.
 * @throws {TypeError} If a payload is not valid UTF-8.
 */
export async function* receiveMessages(
  conn: FramedConn<ByteConn>,
  options: MessageOptions = {},
): AsyncGenerator<string, void, undefined> {
  const type = options.type ?? FrameType.Chat;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for await (const frame of conn) {
    if (frame.type !== type) throw new UnknownFrameTypeError(frame.type);
    yield decoder.decode(frame.payload);
  }
}
