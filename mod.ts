// Copyright 2026 the framewire authors. MIT license.
/**
 * framewire: typed, length-prefixed frames over TCP for Deno.
 *
 * TCP carries a byte stream; framewire turns it back into the messages you
 * sent, however the network split or merged them.
 *
 * ```text
 * +--------+-----------------------------+----------------+
 * | type   | length: u32, big-endian     | payload        |
 * | 1 byte | 4 bytes, payload bytes only | length bytes   |
 * +--------+-----------------------------+----------------+
 *  00       00 00 00 06                   68 65 6c 6c 6f 21   Chat "hello!"
 * ```
 *
 * - `codec/`: the wire format as plain functions ({@linkcode encodeFrame},
 *   {@linkcode FrameDecoder}) and Web Streams ({@linkcode FrameEncoderStream},
 *   {@linkcode FrameDecoderStream}); no I/O.
 * - `transport/`: {@linkcode writeAll}, {@linkcode FramedConn} over any
 *   `Deno.Conn`, and the {@linkcode connect} / {@linkcode listen} helpers
 *   (TCP, TLS or Unix sockets).
 * - The server: {@linkcode serve} runs many clients in one process. It
 *   answers Ping, keeps a registry of connections, bounds what each client
 *   may cost (frame size, queued bytes, idle and stalled clients) and shuts
 *   down gracefully; your application is a handler, usually a
 *   {@linkcode FrameRouter} that protocol modules (such as
 *   `@framewire/framewire/chat` and `/files`) plug their frame types into.
 *
 * @example Round trip over loopback TCP
 * ```ts ignore
 * import { connect, FrameType, listen } from "@framewire/framewire";
 *
 * using listener = listen({ hostname: "127.0.0.1", port: 0 });
 * const server = (async () => {
 *   for await (const conn of listener) {
 *     for await (const frame of conn) await conn.send(frame); // echo
 *   }
 * })();
 * using client = await connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * await client.send({ type: FrameType.Chat, payload: new TextEncoder().encode("hi") });
 * const reply = await client.receive();
 * ```
 *
 * @module
 */
export * from "./codec/errors.ts";
export * from "./codec/frame.ts";
export * from "./codec/options.ts";
export * from "./codec/encode.ts";
export * from "./codec/check_frame.ts";
export * from "./codec/frame_header.ts";
export * from "./codec/frame_decoder.ts";
export * from "./codec/frame_decoder_stream.ts";
export * from "./codec/frame_encoder_stream.ts";
export * from "./transport/errors.ts";
export * from "./transport/write_all.ts";
export * from "./transport/framed_conn.ts";
export * from "./transport/connect.ts";
export * from "./transport/connect_errors.ts";
export * from "./transport/listen.ts";
export * from "./transport/messages.ts";
export * from "./transport/protocol_errors.ts";
export * from "./transport/request_options.ts";
export * from "./transport/server_connection.ts";
export * from "./transport/frame_router.ts";
export * from "./transport/log.ts";
export * from "./transport/serve_options.ts";
export * from "./transport/server.ts";
export * from "./transport/metrics.ts";
export * from "./transport/server_metrics.ts";
// --- Frames over WebSocket (issue 15) ---
export * from "./transport/websocket_conn.ts";
export * from "./transport/connect_websocket.ts";
export * from "./transport/websocket_gateway.ts";
// --- end of frames over WebSocket ---
// Issue 12 (performance): FrameBatch, and FramedConn's options in their own file.
export * from "./codec/frame_batch.ts";
export * from "./transport/framed_conn_options.ts";
