// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  booleanOption,
  checkNumber,
  choiceOption,
  functionOption,
  numberOption,
  optionalNumberOption,
  optionsObject,
  stringOption,
} from "../../internal/options.ts";

Deno.test("numberOption returns the fallback only for undefined", () => {
  assert.equal(numberOption("n", undefined, 7), 7);
  assert.equal(numberOption("n", 0, 7), 0);
  assert.equal(optionalNumberOption("n", undefined), undefined);
  assert.equal(optionalNumberOption("n", 3, { min: 1 }), 3);
});

Deno.test("checkNumber refuses a non-number with a TypeError naming the value", () => {
  assert.throws(() => checkNumber("maxBatch", "10"), {
    name: "TypeError",
    message: 'Cannot use maxBatch "10": expected a number',
  });
  assert.throws(() => checkNumber("maxBatch", 10n), {
    name: "TypeError",
    message: "Cannot use maxBatch 10n: expected a number",
  });
  assert.throws(() => checkNumber("maxBatch", null), TypeError);
});

Deno.test("checkNumber states the range it expected", () => {
  // Each row: value, range, the message's expectation.
  const cases: [number, Parameters<typeof checkNumber>[2], string][] = [
    [0, { min: 1 }, "an integer of at least 1"],
    [1.5, {}, "an integer of at least 0"],
    [NaN, { min: 1 }, "an integer of at least 1"],
    [Infinity, {}, "an integer of at least 0"],
    [5, { min: 1, max: 4 }, "an integer from 1 to 4"],
    [-0.5, { fractional: true }, "a number of at least 0"],
    [NaN, { fractional: true }, "a number of at least 0"],
    [0, { min: 1, infinite: true }, "an integer of at least 1 or Infinity"],
  ];
  for (const [value, range, expected] of cases) {
    assert.throws(() => checkNumber("x", value, range), {
      name: "RangeError",
      message: `Cannot use x ${value}: expected ${expected}`,
    });
  }
});

Deno.test("checkNumber accepts the bounds, fractions and Infinity when asked", () => {
  assert.equal(checkNumber("x", 1, { min: 1, max: 4 }), 1);
  assert.equal(checkNumber("x", 4, { min: 1, max: 4 }), 4);
  assert.equal(checkNumber("x", 0.25, { fractional: true }), 0.25);
  assert.equal(checkNumber("x", Infinity, { infinite: true }), Infinity);
  assert.equal(
    checkNumber("x", Number.MAX_SAFE_INTEGER),
    Number.MAX_SAFE_INTEGER,
  );
});

Deno.test("booleanOption, stringOption and functionOption check the type", () => {
  assert.equal(booleanOption("b", undefined, true), true);
  assert.equal(booleanOption("b", false, true), false);
  assert.throws(() => booleanOption("b", 1, true), {
    name: "TypeError",
    message: "Cannot use b 1: expected a boolean",
  });
  assert.equal(stringOption("s", undefined), undefined);
  assert.equal(stringOption("s", ""), "");
  assert.throws(() => stringOption("s", "", { nonEmpty: true }), {
    name: "TypeError",
    message: 'Cannot use s "": expected a non-empty string',
  });
  assert.throws(() => stringOption("s", 4), TypeError);
  const clock = () => 1;
  assert.equal(functionOption("clock", undefined, clock), clock);
  assert.throws(() => functionOption("clock", 5, clock), {
    name: "TypeError",
    message: "Cannot use clock 5: expected a function",
  });
});

Deno.test("choiceOption lists the choices it accepts", () => {
  assert.equal(
    choiceOption("sync", undefined, ["FULL", "NORMAL"], "FULL"),
    "FULL",
  );
  assert.equal(
    choiceOption("sync", "NORMAL", ["FULL", "NORMAL"], "FULL"),
    "NORMAL",
  );
  assert.throws(() => choiceOption("sync", "OFF", ["FULL", "NORMAL"], "FULL"), {
    name: "TypeError",
    message: 'Cannot use sync "OFF": expected "FULL" or "NORMAL"',
  });
});

Deno.test("optionsObject takes undefined as no options and refuses a non-object", () => {
  assert.deepEqual(optionsObject(undefined, "Cannot serve"), {});
  const options = { a: 1 };
  assert.equal(optionsObject(options, "Cannot serve"), options);
  assert.throws(
    () => optionsObject(null as unknown as object, "Cannot serve"),
    {
      name: "TypeError",
      message: "Cannot serve: expected an options object, got null",
    },
  );
});
