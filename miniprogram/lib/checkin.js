/**
 * Event check-in QR codes: the payload is `huixiang:event:<id>:<token>`.
 */
const PREFIX = 'huixiang:event:';
const VOUCHER_PREFIX = 'huixiang:voucher:';

const CHECKIN_TEXT = {
  NOT_CHECKIN: '这不是活动签到码，请扫活动现场张贴的签到二维码',
  VOUCHER: '这是兑换券的二维码，请扫活动现场的签到二维码',
  EMPTY: '没有识别到内容，请对准二维码再扫一次',
};

/**
 * Reads a scanned payload: { eventId, token } or { error } with a friendly
 * message. The prefix may come in any case; the token is taken as it is.
 */
function parseCheckinPayload(raw) {
  const text = String(raw === null || raw === undefined ? '' : raw).trim();
  if (!text) {
    return { error: CHECKIN_TEXT.EMPTY };
  }
  if (text.slice(0, VOUCHER_PREFIX.length).toLowerCase() === VOUCHER_PREFIX) {
    return { error: CHECKIN_TEXT.VOUCHER };
  }
  if (text.slice(0, PREFIX.length).toLowerCase() !== PREFIX) {
    return { error: CHECKIN_TEXT.NOT_CHECKIN };
  }
  const rest = text.slice(PREFIX.length);
  const m = /^([1-9]\d{0,17}):([^\s:]{1,256})$/.exec(rest);
  if (!m) {
    return { error: CHECKIN_TEXT.NOT_CHECKIN };
  }
  return { eventId: m[1], token: m[2] };
}

// Answers of POST /events/{id}/checkin in plain words.
const CHECKIN_ERRORS = {
  ALREADY_CHECKED_IN: '您已经签过到了，积分不会重复发放',
  CHECKIN_CLOSED: '这场活动的签到已经结束了',
  CHECKIN_NOT_OPEN: '签到还没开始，请到活动开始时再扫',
  NOT_REGISTERED: '签到前请先完成校友登记',
};
const WRONG_CODE = '签到码不对或已失效，请扫活动现场的签到二维码';

/** A message for a failed check-in, and whether to offer 校友登记. */
function checkinErrorOf(err) {
  const code = err && err.code;
  if (CHECKIN_ERRORS[code]) {
    return { message: CHECKIN_ERRORS[code], register: code === 'NOT_REGISTERED' };
  }
  if (err && err.status === 404) {
    return { message: WRONG_CODE, register: false };
  }
  return { message: (err && err.message) || '签到没有成功，请稍后再试', register: false };
}

module.exports = {
  PREFIX,
  CHECKIN_TEXT,
  CHECKIN_ERRORS,
  WRONG_CODE,
  parseCheckinPayload,
  checkinErrorOf,
};
