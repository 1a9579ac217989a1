// Copyright 2026 the framewire authors. MIT license.
// What a command handler works with, and the shape of the command tables.
import type { HandlerResult } from "../transport/frame_router.ts";
import type { ChatBus } from "./chat_bus.ts";
import type { ChatStore } from "./chat_store.ts";
import type { ResolvedChatOptions } from "./_chat_options.ts";
import type { ChatDelivery } from "./_delivery.ts";
import type { MessageRateLimiter } from "./_message_rate.ts";
import type { Session } from "./_session.ts";
import type { ChatCommand, ChatCommandOp } from "./_wire.ts";

/** The server's parts, as the command handlers see them. */
export interface ChatContext {
  readonly store: ChatStore;
  readonly bus: ChatBus;
  readonly delivery: ChatDelivery;
  readonly options: ResolvedChatOptions;
  readonly messageRate: MessageRateLimiter;
}

/** The command of one op, its `op` narrowed. */
export type CommandOf<Op extends ChatCommandOp> = ChatCommand extends infer C
  ? C extends { readonly op: infer O } ? Op extends O ? C & {
        readonly op: Op;
      }
    : never
  : never
  : never;

/** Handles one op for a logged-in session. */
export type CommandHandler<Op extends ChatCommandOp> = (
  context: ChatContext,
  session: Session,
  command: CommandOf<Op>,
) => HandlerResult | Promise<HandlerResult>;

/** One handler per op. */
export type CommandTable<Ops extends ChatCommandOp> = {
  readonly [Op in Ops]: CommandHandler<Op>;
};
