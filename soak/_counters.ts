// Copyright 2026 the framewire authors. MIT license.
// What the load drivers count, read once a second by the sampler.

/** Operation kinds, in CSV column order. */
export const OP_KINDS = [
  "ping",
  "chat_sent",
  "chat_recv",
  "chat_login",
  "file_get",
  "file_put",
  "churn",
  "bad",
] as const;

/** One operation kind. */
export type OpKind = typeof OP_KINDS[number];

/** Cumulative counters plus the lag probe's samples of the current second. */
export class Counters {
  readonly ops: Record<OpKind, number> = Object.fromEntries(
    OP_KINDS.map((kind) => [kind, 0]),
  ) as Record<OpKind, number>;
  /** Errors seen by well-behaved clients, by `source:code`. */
  readonly errors = new Map<string, number>();
  /** Outcomes of bad clients, by `kind:outcome` (informational). */
  readonly badOutcomes = new Map<string, number>();
  /** File bytes moved (both directions). */
  fileBytes = 0;
  /** Client connections open now, and the most at once. */
  open = 0;
  maxOpen = 0;
  /** Ping round trips of the quiet probe since the last sample, in ms. */
  lag: number[] = [];
  /** Every probe round trip after warm-up (for the overall percentiles). */
  readonly allLag: number[] = [];
  /** Set once the load is stopping: errors after it are not the server's. */
  stopping = false;

  op(kind: OpKind, count = 1): void {
    this.ops[kind] += count;
  }

  error(source: string, error: unknown): void {
    if (this.stopping) return;
    const key = `${source}:${errorCode(error)}`;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  bad(kind: string, outcome: string): void {
    const key = `${kind}:${outcome}`;
    this.badOutcomes.set(key, (this.badOutcomes.get(key) ?? 0) + 1);
  }

  opened(): void {
    this.open++;
    if (this.open > this.maxOpen) this.maxOpen = this.open;
  }

  closed(): void {
    this.open--;
  }

  /** Sum of the errors counted so far. */
  get errorTotal(): number {
    let total = 0;
    for (const count of this.errors.values()) total += count;
    return total;
  }
}

/** A stable code for an error: its `code` if a string, else its name. */
export function errorCode(error: unknown): string {
  if (error !== null && typeof error === "object") {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === "string" && name !== "Error") return name;
    const message = (error as { message?: unknown }).message;
    if (typeof message === "string") return message.slice(0, 60);
  }
  return String(error).slice(0, 60);
}
