/**
 * Unified social credit codes (统一社会信用代码, GB 32100-2015): 18
 * characters from a 31-character set (no I, O, Z, S, V), the last one a
 * checksum over the first 17.
 */
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

function normalizeUscc(value) {
  if (value === null || value === undefined) {
    return '';
  }
  return String(value).replace(/\s+/g, '').toUpperCase();
}

/** The check character for the first 17 characters, or '' if any is invalid. */
function usccCheckChar(first17) {
  const text = String(first17);
  if (text.length !== 17) {
    return '';
  }
  let sum = 0;
  for (let i = 0; i < 17; i += 1) {
    const value = CHARSET.indexOf(text[i]);
    if (value < 0) {
      return '';
    }
    sum += value * WEIGHTS[i];
  }
  return CHARSET[(31 - (sum % 31)) % 31];
}

/**
 * Checks a code. Returns null when valid, otherwise the reason:
 * EMPTY, LENGTH, CHARSET or CHECKSUM.
 */
function checkUscc(value) {
  const code = normalizeUscc(value);
  if (!code) {
    return 'EMPTY';
  }
  if (code.length !== 18) {
    return 'LENGTH';
  }
  for (let i = 0; i < 18; i += 1) {
    if (CHARSET.indexOf(code[i]) < 0) {
      return 'CHARSET';
    }
  }
  if (usccCheckChar(code.slice(0, 17)) !== code[17]) {
    return 'CHECKSUM';
  }
  return null;
}

function isValidUscc(value) {
  return checkUscc(value) === null;
}

module.exports = {
  CHARSET,
  normalizeUscc,
  usccCheckChar,
  checkUscc,
  isValidUscc,
};
