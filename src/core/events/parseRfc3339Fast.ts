import { parseRfc3339 } from "./eventReader.js";

/** The number written by `count` ASCII digits at `at`, or -1 when one of them is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar (as `Date.UTC` counts them),
 * by H. Hinnant's `days_from_civil`: plain arithmetic, where `Date.UTC` is a call into the runtime.
 */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * {@link parseRfc3339}, with the shape Event Grid sends (`2026-11-22T08:00:00.1234567Z`: UTC, upper
 * case `T` and `Z`, up to nine fractional digits) read without a regular expression and without
 * `Date.parse`. Only dates that are valid in every month (days 1 to 28) and from 1970 on take this
 * way; anything else goes to {@link parseRfc3339}, so the answer is always the same as its answer
 * (a property test holds the two equal).
 */
export function parseRfc3339Fast(value: string): Date | undefined {
  const length = value.length;
  if (
    length >= 20 &&
    length <= 30 &&
    value.charCodeAt(length - 1) === 0x5a /* Z */ &&
    value.charCodeAt(4) === 0x2d /* - */ &&
    value.charCodeAt(7) === 0x2d &&
    value.charCodeAt(10) === 0x54 /* T */ &&
    value.charCodeAt(13) === 0x3a /* : */ &&
    value.charCodeAt(16) === 0x3a &&
    (length === 20 || (value.charCodeAt(19) === 0x2e /* . */ && length >= 22))
  ) {
    const year = digitsAt(value, 0, 4);
    const month = digitsAt(value, 5, 2);
    const day = digitsAt(value, 8, 2);
    const hour = digitsAt(value, 11, 2);
    const minute = digitsAt(value, 14, 2);
    const second = digitsAt(value, 17, 2);
    const fraction = length === 20 ? 0 : digitsAt(value, 20, length - 21);
    if (
      year >= 1970 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 28 &&
      hour >= 0 &&
      hour <= 23 &&
      minute >= 0 &&
      minute <= 59 &&
      second >= 0 &&
      second <= 59 &&
      fraction >= 0
    ) {
      // Date.parse keeps milliseconds: the first three fractional digits, the rest cut off.
      const digits = length - 21;
      const millis =
        digits <= 0
          ? 0
          : digits >= 3
            ? digitsAt(value, 20, 3)
            : digitsAt(value, 20, digits) * (digits === 1 ? 100 : 10);
      const days = daysSinceEpoch(year, month, day);
      return new Date(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis);
    }
  }
  return parseRfc3339(value);
}
