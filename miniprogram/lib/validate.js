/**
 * Small validation helpers shared by the forms. Every message is plain
 * Chinese that tells the user what to do.
 */
const { checkIdCard, normalizeIdCard } = require('./idcard');
const { checkUscc } = require('./uscc');
const { isDate } = require('./datetime');

/** Characters as a person counts them (an emoji is one, not two). */
function charCount(value) {
  if (value === null || value === undefined) {
    return 0;
  }
  return Array.from(String(value)).length;
}

function isBlank(value) {
  if (Array.isArray(value)) {
    return value.length === 0;
  }
  return value === null || value === undefined || String(value).trim() === '';
}

/** '' when the text fits, otherwise how far over the limit it is. */
function lengthError(value, max) {
  const over = charCount(value) - max;
  return over > 0 ? `最多${max}个字，已超出${over}个字` : '';
}

/** Required-and-length check for a free-text field. */
function textError(value, { label, max, required }) {
  if (required && isBlank(value)) {
    return `请填写${label}`;
  }
  return lengthError(value, max);
}

const ID_CARD_MESSAGES = {
  EMPTY: '请填写身份证号',
  FORMAT: '身份证号格式不对：前17位是数字，最后一位是数字或X',
  BIRTH_DATE: '身份证号里的出生日期不对，请核对',
  CHECKSUM: '身份证号有误，请逐位核对',
};

function idCardError(value) {
  const id = normalizeIdCard(value);
  const reason = checkIdCard(id);
  if (!reason) {
    return '';
  }
  if (reason === 'LENGTH') {
    return `身份证号应为18位，现在是${id.length}位`;
  }
  return ID_CARD_MESSAGES[reason];
}

const USCC_MESSAGES = {
  EMPTY: '请填写统一社会信用代码',
  CHARSET: '统一社会信用代码只含数字和大写字母（没有I、O、Z、S、V）',
  CHECKSUM: '统一社会信用代码有误，请对照营业执照逐位核对',
};

function usccError(value) {
  const code = String(value || '').replace(/\s+/g, '');
  const reason = checkUscc(code);
  if (!reason) {
    return '';
  }
  if (reason === 'LENGTH') {
    return `统一社会信用代码应为18位，现在是${code.length}位`;
  }
  return USCC_MESSAGES[reason];
}

/** '' for an empty value or a whole number within [min, max]. */
function integerError(value, { label, min, max }) {
  if (isBlank(value)) {
    return '';
  }
  const text = String(value).trim();
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    return `${label}请填${min}到${max}之间的整数`;
  }
  return '';
}

/** '' for an empty value or a real YYYY-MM-DD date. */
function dateError(value, label) {
  if (isBlank(value) || isDate(value)) {
    return '';
  }
  return `${label}格式不对，请重新选择`;
}

module.exports = {
  charCount,
  isBlank,
  lengthError,
  textError,
  idCardError,
  usccError,
  integerError,
  dateError,
};
