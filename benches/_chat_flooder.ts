// Copyright 2026 the framewire authors. MIT license.
// The flooding user of chat_flood.ts, in a Worker of its own so that its
// client work does not delay the bystander's event loop: it keeps `window`
// sends in flight to an offline user for `ms` and ignores RATE_LIMITED, as
// an abusive client would, then posts how many were acknowledged and
// refused.
import { ChatClient } from "../chat/mod.ts";

/** The start message. */
export interface ChatFlooderStart {
  port: number;
  user: string;
  password: string;
  to: string;
  window: number;
  ms: number;
}

/** What the flooder reports when done. */
export interface ChatFlooderResult {
  acked: number;
  refused: number;
}

declare const self: Worker & { close(): void };

self.onmessage = async (event: MessageEvent<ChatFlooderStart>) => {
  const { port, user, password, to, window, ms } = event.data;
  const client = await ChatClient.connect({ port, user, password });
  self.postMessage("ready");
  const end = performance.now() + ms;
  const result: ChatFlooderResult = { acked: 0, refused: 0 };
  const text = "flood ".repeat(20);
  const lane = async () => {
    while (performance.now() < end) {
      try {
        await client.send(to, text);
        result.acked++;
      } catch (error) {
        if ((error as { code?: string }).code !== "RATE_LIMITED") throw error;
        result.refused++;
      }
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  await client.close();
  self.postMessage(result);
};
