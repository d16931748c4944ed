/**
 * Mainland resident ID numbers (GB 11643-1999): 18 characters, the last one
 * a checksum over the first 17 digits.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

/** Drops spaces and upper-cases a trailing x, as people often type it. */
function normalizeIdCard(value) {
  if (value === null || value === undefined) {
    return '';
  }
  return String(value).replace(/\s+/g, '').toUpperCase();
}

/** The check character for 17 digits, or '' when they are not 17 digits. */
function idCardCheckChar(first17) {
  const digits = String(first17);
  if (!/^\d{17}$/.test(digits)) {
    return '';
  }
  let sum = 0;
  for (let i = 0; i < 17; i += 1) {
    sum += Number(digits[i]) * WEIGHTS[i];
  }
  return CHECK_CHARS[sum % 11];
}

function isRealDate(year, month, day) {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year
    && date.getUTCMonth() === month - 1
    && date.getUTCDate() === day;
}

/**
 * Checks an ID number. Returns null when valid, otherwise the reason:
 * EMPTY, LENGTH, FORMAT, BIRTH_DATE or CHECKSUM.
 */
function checkIdCard(value) {
  const id = normalizeIdCard(value);
  if (!id) {
    return 'EMPTY';
  }
  if (id.length !== 18) {
    return 'LENGTH';
  }
  if (!/^\d{17}[\dX]$/.test(id)) {
    return 'FORMAT';
  }
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  if (year < 1900 || !isRealDate(year, month, day)) {
    return 'BIRTH_DATE';
  }
  if (idCardCheckChar(id.slice(0, 17)) !== id[17]) {
    return 'CHECKSUM';
  }
  return null;
}

function isValidIdCard(value) {
  return checkIdCard(value) === null;
}

/** Birth date (YYYY-MM-DD) and gender (M/F) of a valid ID number, else null. */
function parseIdCard(value) {
  const id = normalizeIdCard(value);
  if (!isValidIdCard(id)) {
    return null;
  }
  return {
    birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
    gender: Number(id[16]) % 2 === 1 ? 'M' : 'F',
  };
}

/** "4212**********123X": the first 4 and last 4 characters. */
function maskIdCard(value) {
  const id = normalizeIdCard(value);
  if (id.length <= 8) {
    return id;
  }
  return id.slice(0, 4) + '*'.repeat(id.length - 8) + id.slice(-4);
}

/**
 * Whether a full ID number fits a masked one as the server returns it:
 * same length and the same character wherever the mask shows one.
 */
function matchesMasked(full, masked) {
  const id = normalizeIdCard(full);
  const mask = normalizeIdCard(masked);
  if (!id || !mask || id.length !== mask.length) {
    return false;
  }
  for (let i = 0; i < mask.length; i += 1) {
    if (mask[i] !== '*' && mask[i] !== id[i]) {
      return false;
    }
  }
  return true;
}

module.exports = {
  normalizeIdCard,
  idCardCheckChar,
  checkIdCard,
  isValidIdCard,
  parseIdCard,
  maskIdCard,
  matchesMasked,
};
