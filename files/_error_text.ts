// Copyright 2026 the framewire authors. MIT license.

/** An error's message, for a log line or an error that wraps it. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
