// Copyright 2026 the framewire authors. MIT license.
// The read errors that mean "the peer sent bytes that are not framewire
// frames", whatever the transport: the server answers each with an Error
// frame of its code and closes that client. Other read errors (a reset, a
// TLS failure) leave nobody to tell.
import {
  FrameTooLargeError,
  TruncatedFrameError,
  UnknownFrameTypeError,
} from "../codec/errors.ts";
import { WebSocketMessageError } from "./websocket_conn.ts";

/** An error a peer's bytes caused, with the code to send it. */
export type BadFrameError =
  | FrameTooLargeError
  | UnknownFrameTypeError
  | TruncatedFrameError
  | WebSocketMessageError;

/** Whether a read error is the peer's fault (see {@linkcode BadFrameError}). */
export function isBadFrameError(error: unknown): error is BadFrameError {
  return error instanceof FrameTooLargeError ||
    error instanceof UnknownFrameTypeError ||
    error instanceof TruncatedFrameError ||
    error instanceof WebSocketMessageError;
}
