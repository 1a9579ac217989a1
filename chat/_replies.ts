// Copyright 2026 the framewire authors. MIT license.
// The frames the chat server builds from stored messages.
import type { Frame } from "../codec/frame.ts";
import type { StoredMessage } from "./chat_store.ts";
import type { ChatAck, ChatAddress, ChatMessage } from "./messages.ts";
import { encodeChatFrame } from "./_wire.ts";

/** The `ok` answer. */
export function ok(id: string): Frame {
  return encodeChatFrame({ op: "ok", id });
}

/** A stored message as the wire names it, from one reader's side. */
export function toMessage(
  message: StoredMessage,
  address: ChatAddress,
): ChatMessage {
  return {
    chat: address,
    mid: message.mid,
    seq: message.seq,
    from: message.sender,
    text: message.text,
    ts: message.sentAtMs,
  };
}

/** A `message` push. */
export function messageFrame(
  message: StoredMessage,
  address: ChatAddress,
): Frame {
  return encodeChatFrame({ op: "message", ...toMessage(message, address) });
}

/** The acknowledgement of a stored message. */
export function ackOf(stored: StoredMessage, address: ChatAddress): ChatAck {
  return {
    chat: address,
    mid: stored.mid,
    seq: stored.seq,
    ts: stored.sentAtMs,
    duplicate: stored.duplicate,
  };
}

/** A `history` / `watching` answer, dropping the oldest messages beyond `maxReplyBytes`. */
export function historyReply(
  op: "history" | "watching",
  id: string,
  chat: ChatAddress,
  messages: ChatMessage[],
  maxReplyBytes: number,
): Frame {
  let truncated = false;
  while (true) {
    const frame = encodeChatFrame({ op, id, chat, messages, truncated });
    if (frame.payload.length <= maxReplyBytes || messages.length === 0) {
      return frame;
    }
    truncated = true;
    messages = messages.slice(Math.max(1, messages.length >> 1));
  }
}
