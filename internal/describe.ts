// Copyright 2026 the framewire authors. MIT license.

/**
 * A value as error messages show it. Strings are quoted so that "4" cannot
 * pass for 4, and bigints keep their `n`.
 */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  return String(value);
}
