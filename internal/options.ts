// Copyright 2026 the framewire authors. MIT license.
// The one way framewire checks options. Every component resolves its options
// once, at its front door (a constructor or `serve()`), with these helpers:
// a default for what is missing, a typed error for what is wrong, and the
// same message everywhere, so that a user who mistypes `maxFrameLength` for
// the server and `chunkBytes` for the file server reads the same sentence:
//
//   Cannot use <name> <value>: expected <what>
//
// TypeError when the value has the wrong type, RangeError when a number is
// out of its range. Values are shown with `describe`, so "4" never passes
// for 4 in a message.
import { describe } from "./describe.ts";

/** The range a number option must fall in. */
export interface NumberRange {
  /** Smallest value accepted. Default 0. */
  readonly min?: number;
  /** Largest value accepted. Default `Number.MAX_SAFE_INTEGER`. */
  readonly max?: number;
  /** Accept fractions (milliseconds, ratios). Default false: integers only. */
  readonly fractional?: boolean;
  /** Accept `Infinity`, meaning "no limit". Default false. */
  readonly infinite?: boolean;
}

/**
 * Checks a number option.
 *
 * @throws {TypeError} If `value` is not a number.
 * @throws {RangeError} If it is outside `range`.
 */
export function checkNumber(
  name: string,
  value: unknown,
  range: NumberRange = {},
): number {
  const {
    min = 0,
    max = Number.MAX_SAFE_INTEGER,
    fractional = false,
    infinite = false,
  } = range;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot use ${name} ${describe(value)}: expected a number`,
    );
  }
  if (infinite && value === Infinity) return value;
  const whole = fractional ? Number.isFinite(value) : Number.isInteger(value);
  if (!whole || value < min || value > max) {
    const kind = fractional ? "a number" : "an integer";
    const bounds = max === Number.MAX_SAFE_INTEGER
      ? `of at least ${min}`
      : `from ${min} to ${max}`;
    throw new RangeError(
      `Cannot use ${name} ${describe(value)}: expected ${kind} ${bounds}${
        infinite ? " or Infinity" : ""
      }`,
    );
  }
  return value;
}

/** A number option with its default: `fallback` when `value` is undefined. */
export function numberOption(
  name: string,
  value: unknown,
  fallback: number,
  range?: NumberRange,
): number {
  return value === undefined ? fallback : checkNumber(name, value, range);
}

/** A number option without a default. */
export function optionalNumberOption(
  name: string,
  value: unknown,
  range?: NumberRange,
): number | undefined {
  return value === undefined ? undefined : checkNumber(name, value, range);
}

/** A boolean option with its default. */
export function booleanOption(
  name: string,
  value: unknown,
  fallback: boolean,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new TypeError(
      `Cannot use ${name} ${describe(value)}: expected a boolean`,
    );
  }
  return value;
}

/** A string option; `undefined` stays undefined unless a fallback is given. */
export function stringOption(
  name: string,
  value: unknown,
  { nonEmpty = false }: { readonly nonEmpty?: boolean } = {},
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || (nonEmpty && value === "")) {
    throw new TypeError(
      `Cannot use ${name} ${describe(value)}: expected a ${
        nonEmpty ? "non-empty " : ""
      }string`,
    );
  }
  return value;
}

/** One of a fixed set of values, such as `"FULL"` or `"NORMAL"`. */
export function choiceOption<const T extends string | number>(
  name: string,
  value: unknown,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly unknown[]).includes(value)) {
    throw new TypeError(
      `Cannot use ${name} ${describe(value)}: expected ${
        choices.map(describe).join(" or ")
      }`,
    );
  }
  return value as T;
}

/** A function option (a clock, a callback) with its default. */
export function functionOption<T extends (...args: never[]) => unknown>(
  name: string,
  value: unknown,
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value !== "function") {
    throw new TypeError(
      `Cannot use ${name} ${describe(value)}: expected a function`,
    );
  }
  return value as T;
}

/**
 * The options argument itself: an object, or `{}` when omitted.
 *
 * @param action What the options are for, as in "Cannot create chat server".
 */
export function optionsObject<T extends object>(
  value: T | undefined,
  action: string,
): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== "object") {
    throw new TypeError(
      `${action}: expected an options object, got ${describe(value)}`,
    );
  }
  return value;
}
