// Copyright 2026 the framewire authors. MIT license.
/**
 * Options of {@linkcode FramedConn.prototype.request}, in a module of their
 * own so that the connection and its private request matcher share them.
 *
 * @module
 */

/** Options for {@linkcode FramedConn.prototype.request}. */
export interface RequestOptions {
  /**
   * Milliseconds to wait for the reply before rejecting with
   * {@linkcode RequestTimeoutError}.
   *
   * @default {undefined} (wait as long as the connection lives)
   */
  timeoutMs?: number;
  /**
   * Rejects the request with the signal's reason when aborted. Like a
   * timeout, the request keeps its place in the reply order.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}
