// Copyright 2026 the framewire authors. MIT license.
// What NatsChatBus handles send each other besides the events themselves:
// the gathers of online() and connections() and their answers, as JSON.
import type { ChatAdminConnectionInfo } from "./messages.ts";
import type { NatsMsg } from "./_nats_client.ts";

/** What a gather asks for. */
export type Ask = "online" | "connections";

/** A node's answer to a gather. */
export interface Answer {
  readonly node: string;
  readonly handle: string;
  readonly users?: string[];
  readonly connections?: ChatAdminConnectionInfo[];
}

/** A gather waiting for answers. */
export interface Pending {
  readonly answers: Map<string, Answer>;
  readonly expected: ReadonlySet<string>;
  readonly done: () => void;
}

export const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function parse(msg: NatsMsg): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(decoder.decode(msg.data));
    return value !== null && typeof value === "object" ? value : undefined;
  } catch {
    return undefined; // Not ours, or damaged: ignored.
  }
}
