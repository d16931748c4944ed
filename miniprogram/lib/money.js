/**
 * Money: the API counts integer fen (分); people read and type yuan (元).
 *
 *   formatFen(500000)      -> "5,000 元"
 *   formatFen(123456)      -> "1,234.56 元"
 *   formatWan(30000000)    -> "30万元"
 *   parseYuan("10,000.5")  -> { fen: 1000050 }
 *   parseYuan("abc")       -> { error: 'FORMAT' }
 *
 * Parsing works on the digits as text, never through floating point, so
 * "0.29" is 29 fen and not 28.999….
 */
const FEN_PER_YUAN = 100;
const FEN_PER_WAN = 10000 * FEN_PER_YUAN;

function isFen(value) {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function groupThousands(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** "5,000" or "1,234.56" (no unit); '' when the value is not a whole number of fen. */
function formatYuanNumber(fen) {
  if (!isFen(fen)) {
    return '';
  }
  const yuan = groupThousands(String(Math.floor(fen / FEN_PER_YUAN)));
  const cents = fen % FEN_PER_YUAN;
  return cents === 0 ? yuan : `${yuan}.${String(cents).padStart(2, '0')}`;
}

/** "5,000 元"; '' for null, undefined or anything that is not whole fen. */
function formatFen(fen) {
  const number = formatYuanNumber(fen);
  return number ? `${number} 元` : '';
}

/** "30万元" when the amount is a whole number of 万元, otherwise ''. */
function formatWan(fen) {
  if (!isFen(fen) || fen === 0 || fen % FEN_PER_WAN !== 0) {
    return '';
  }
  return `${groupThousands(String(fen / FEN_PER_WAN))}万元`;
}

/** "300,000 元（30万元）": the 万 figure helps with big round numbers. */
function formatFenWithWan(fen) {
  const main = formatFen(fen);
  const wan = formatWan(fen);
  return main && wan && fen >= FEN_PER_WAN ? `${main}（${wan}）` : main;
}

/** The amount as it is typed back into an input: 1000050 -> "10000.5", 500000 -> "5000". */
function fenToYuanText(fen) {
  if (!isFen(fen)) {
    return '';
  }
  const yuan = String(Math.floor(fen / FEN_PER_YUAN));
  const cents = fen % FEN_PER_YUAN;
  if (cents === 0) {
    return yuan;
  }
  return `${yuan}.${String(cents).padStart(2, '0').replace(/0$/, '')}`;
}

/** Full-width digits and punctuation (from Chinese keyboards) to ASCII. */
function toHalfWidth(text) {
  return text.replace(/[\uFF10-\uFF19\uFF0E]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xFEE0));
}

/**
 * Reads an amount typed in yuan. Thousands separators, spaces, a trailing
 * 元 and full-width digits are accepted.
 * Returns { fen } or { error } with error one of
 * EMPTY, FORMAT, DECIMALS (more than 2 decimals), ZERO, TOO_LARGE.
 */
function parseYuan(value) {
  if (value === null || value === undefined) {
    return { error: 'EMPTY' };
  }
  const text = toHalfWidth(String(value))
    .replace(/[\s,，]/g, '')
    .replace(/元$/, '')
    .replace(/。/g, '.');
  if (!text) {
    return { error: 'EMPTY' };
  }
  const m = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) {
    return { error: 'FORMAT' };
  }
  const decimals = m[2] || '';
  if (decimals.length > 2) {
    return { error: 'DECIMALS' };
  }
  const intPart = m[1].replace(/^0+(?=\d)/, '');
  if (intPart.length > 13) {
    return { error: 'TOO_LARGE' };
  }
  const fen = Number(intPart) * FEN_PER_YUAN + Number(decimals.padEnd(2, '0'));
  if (!Number.isSafeInteger(fen)) {
    return { error: 'TOO_LARGE' };
  }
  if (fen === 0) {
    return { error: 'ZERO' };
  }
  return { fen };
}

const YUAN_MESSAGES = {
  EMPTY: '请填写金额',
  FORMAT: '金额只能填数字，例如：100000',
  DECIMALS: '金额最多精确到分（小数点后两位）',
  ZERO: '金额要大于0',
  TOO_LARGE: '金额太大了，请核对',
};

/**
 * '' when `value` is a valid amount within `capFen` (when given), otherwise
 * a message: "最多可以申请 300,000 元（30万元）".
 * `capLabel` names whose cap it is, e.g. "个人".
 */
function yuanError(value, { capFen, capLabel, label } = {}) {
  const parsed = parseYuan(value);
  if (parsed.error) {
    return parsed.error === 'EMPTY' && label ? `请填写${label}` : YUAN_MESSAGES[parsed.error];
  }
  if (isFen(capFen) && capFen > 0 && parsed.fen > capFen) {
    return `${capLabel || ''}最多可以申请 ${formatFenWithWan(capFen)}，请改小一些`;
  }
  return '';
}

module.exports = {
  FEN_PER_YUAN,
  isFen,
  formatYuanNumber,
  formatFen,
  formatWan,
  formatFenWithWan,
  fenToYuanText,
  parseYuan,
  yuanError,
  YUAN_MESSAGES,
};
