/**
 * Allocation-free X.509 Time encoding and decoding for bulk work: CRLs with 100,000 entries
 * and OCSP responses at thousands per second. Same rules as der.time (RFC 5280 4.1.2.5 and
 * 5.1.2.6): UTCTime for 1950-2049, GeneralizedTime otherwise, UTC `Z`, whole seconds.
 * Calendar arithmetic is integer-only (days <-> civil date), so no Date object is created.
 */
import { badRequest } from '../core/errors.js';
import { Tag } from './der.js';
import { DerError } from './der-reader.js';

const MS_PER_DAY = 86_400_000;
/** 1950-01-01T00:00:00Z and 2050-01-01T00:00:00Z. */
const UTC_TIME_FROM = -631_152_000_000;
const UTC_TIME_UNTIL = 2_524_608_000_000;
/** 0001-01-01 and 10000-01-01: years GeneralizedTime holds in four digits (year 0 is left out). */
const MIN_MS = -62_135_596_800_000;
const MAX_MS = 253_402_300_800_000;

/** Full encoded length (tag, length, content) of the Time for `ms`: 15 (UTCTime) or 17. */
export function timeLength(ms: number): number {
  return ms >= UTC_TIME_FROM && ms < UTC_TIME_UNTIL ? 15 : 17;
}

/** A badRequest unless `ms` is a finite time with a four-digit year. */
export function checkTime(ms: number, what: string): void {
  if (!Number.isFinite(ms)) throw badRequest(`${what} is not a finite time`);
  if (ms < MIN_MS || ms >= MAX_MS) throw badRequest(`${what} ${ms} is outside the years 0001-9999`);
}

function put2(out: Buffer, pos: number, n: number): void {
  out[pos] = 0x30 + ((n / 10) | 0);
  out[pos + 1] = 0x30 + (n % 10);
}

/** Civil date of the last day converted; one per bulk write, so runs of same-day times skip the calendar math. */
export interface DayMemo {
  day: number;
  year: number;
  month: number;
  date: number;
}

export const newDayMemo = (): DayMemo => ({ day: Number.NaN, year: 0, month: 0, date: 0 });

/** Fills `memo` with the civil date of a day count since 1970-01-01 (H. Hinnant's days-to-civil). */
function civil(days: number, memo: DayMemo): void {
  // z >= 0 for every year from 0000 on, so truncating division (| 0) is floor division here.
  const z = days + 719_468;
  const era = (z / 146_097) | 0;
  const doe = z - era * 146_097;
  const yoe = ((doe - ((doe / 1460) | 0) + ((doe / 36_524) | 0) - ((doe / 146_096) | 0)) / 365) | 0;
  const doy = doe - (365 * yoe + ((yoe / 4) | 0) - ((yoe / 100) | 0));
  const mp = ((5 * doy + 2) / 153) | 0;
  const month = mp < 10 ? mp + 3 : mp - 9;
  memo.day = days;
  memo.month = month;
  memo.date = doy - (((153 * mp + 2) / 5) | 0) + 1;
  memo.year = yoe + era * 400 + (month <= 2 ? 1 : 0);
}

/**
 * Writes the Time TLV for `ms` at `pos` and returns the position after it. `generalized`
 * forces GeneralizedTime (OCSP). The caller has validated `ms` with checkTime.
 */
export function writeTime(out: Buffer, pos: number, ms: number, generalized = false, memo: DayMemo = newDayMemo()): number {
  const seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86_400);
  let rest = seconds - days * 86_400;
  if (days !== memo.day) civil(days, memo);
  const year = memo.year;
  if (!generalized && ms >= UTC_TIME_FROM && ms < UTC_TIME_UNTIL) {
    out[pos] = Tag.UTCTime;
    out[pos + 1] = 13;
    put2(out, pos + 2, year % 100);
    pos += 4;
  } else {
    out[pos] = Tag.GeneralizedTime;
    out[pos + 1] = 15;
    put2(out, pos + 2, (year / 100) | 0);
    put2(out, pos + 4, year % 100);
    pos += 6;
  }
  put2(out, pos, memo.month);
  put2(out, pos + 2, memo.date);
  const hours = (rest / 3600) | 0;
  rest -= hours * 3600;
  const minutes = (rest / 60) | 0;
  put2(out, pos + 4, hours);
  put2(out, pos + 6, minutes);
  put2(out, pos + 8, rest - minutes * 60);
  out[pos + 10] = 0x5a; // 'Z'
  return pos + 11;
}

/** GeneralizedTime `YYYYMMDDHHMMSSZ` as a fresh 17-byte element (OCSP times). */
export function generalizedTime(ms: number, what = 'time'): Buffer {
  checkTime(ms, what);
  const out = Buffer.allocUnsafe(17);
  writeTime(out, 0, ms, true);
  return out;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (the inverse of civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

const daysInMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(buf: Buffer, pos: number, count: number): number {
  let n = 0;
  for (let i = 0; i < count; i++) {
    const c = buf[pos + i]! - 0x30;
    if (c < 0 || c > 9) throw new DerError('invalid time: non-digit character');
    n = n * 10 + c;
  }
  return n;
}

/**
 * Decodes the UTCTime or GeneralizedTime TLV whose content is `buf[start, end)` to epoch
 * milliseconds. Accepts only the DER forms RFC 5280 requires (seconds, `Z`); a
 * GeneralizedTime fraction is tolerated and dropped.
 */
export function readTime(tag: number, buf: Buffer, start: number, end: number): number {
  let year: number;
  let pos: number;
  if (tag === Tag.UTCTime && end - start === 13) {
    const yy = digits(buf, start, 2);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
    pos = start + 2;
  } else if (tag === Tag.GeneralizedTime && end - start >= 15) {
    year = digits(buf, start, 4);
    pos = start + 4;
    if (end - start > 15) {
      if (buf[pos + 10] !== 0x2e || end - start < 17) throw new DerError('invalid GeneralizedTime');
      digits(buf, pos + 11, end - start - 16);
    }
  } else {
    throw new DerError(`invalid time (tag 0x${tag.toString(16)}, ${end - start} bytes)`);
  }
  if (buf[end - 1] !== 0x5a) throw new DerError('time is not in UTC (no trailing Z)');
  const month = digits(buf, pos, 2);
  const day = digits(buf, pos + 2, 2);
  const hour = digits(buf, pos + 4, 2);
  const minute = digits(buf, pos + 6, 2);
  const second = digits(buf, pos + 8, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && !leap ? 28 : daysInMonth[month - 1]!)) {
    throw new DerError('invalid time: no such date');
  }
  if (hour > 23 || minute > 59 || second > 59) throw new DerError('invalid time of day');
  return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000;
}
