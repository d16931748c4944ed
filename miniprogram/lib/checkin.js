/**
 * Event check-in codes, two kinds:
 * - the 小程序码 printed by the console: WeChat's own 扫一扫 opens
 *   pages/checkin/checkin with `options.scene` = `<id>.<code>` (URL-encoded);
 *   scanned from inside the app, wx.scanCode hands back its `path`
 *   (`pages/checkin/checkin?scene=...`, encoded on iOS, not on Android);
 * - the older text QR code `huixiang:event:<id>:<token>`.
 * Either way the check-in is POST /api/v1/events/<id>/checkin {token}.
 */
const PREFIX = 'huixiang:event:';
const CHECKIN_PAGE = 'pages/checkin/checkin';
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

function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch (e) {
    return text;
  }
}

/**
 * Reads the scene of a 小程序码 (`<id>.<code>`, maybe still URL-encoded):
 * { eventId, token } or { error }.
 */
function parseScene(raw) {
  let text = String(raw === null || raw === undefined ? '' : raw).trim();
  // Decode until stable: WeChat encodes once, a forwarded link may add one more.
  for (let i = 0; i < 3 && /%[0-9a-f]{2}/i.test(text); i += 1) {
    text = safeDecode(text);
  }
  if (!text) {
    return { error: CHECKIN_TEXT.EMPTY };
  }
  const m = /^([1-9]\d{0,17})\.([A-Za-z0-9_-]{1,30})$/.exec(text);
  if (!m) {
    return { error: CHECKIN_TEXT.NOT_CHECKIN };
  }
  return { eventId: m[1], token: m[2] };
}

/** The scene of a check-in page path (`pages/checkin/checkin?scene=...`), or null. */
function sceneOfPath(path) {
  const text = String(path || '').trim().replace(/^\//, '');
  const q = text.indexOf('?');
  if (q < 0 || text.slice(0, q).replace(/\.html$/, '') !== CHECKIN_PAGE) {
    return null;
  }
  const pair = text.slice(q + 1).split('&').find((p) => p.split('=')[0] === 'scene');
  return pair === undefined ? null : pair.slice('scene='.length);
}

/**
 * Reads what wx.scanCode returned: a 小程序码 of the check-in page (its
 * `path`, or a result that is such a path), else the text QR code.
 */
function parseScanResult(res) {
  const r = res || {};
  const scene = sceneOfPath(r.path) || sceneOfPath(r.result);
  if (scene !== null) {
    return parseScene(scene);
  }
  if (r.path && !r.result) {
    // Another page of this mini program: not a check-in code.
    return { error: CHECKIN_TEXT.NOT_CHECKIN };
  }
  return parseCheckinPayload(r.result);
}

// Answers of POST /events/{id}/checkin in plain words.
const CHECKIN_ERRORS = {
  ALREADY_CHECKED_IN: '您已经签过到了，积分不会重复发放',
  CHECKIN_CLOSED: '这场活动的签到已经结束了',
  CHECKIN_NOT_OPEN: '签到还没开始，请到活动开始时再扫',
  NOT_REGISTERED: '签到前要先登记。请先做返乡登记，登记好了再扫一次',
  GRANT_LIMIT_EXCEEDED: '您今年通过这类活动获得的积分已经到上限了，这次签到没有记录',
  NOT_AN_ALUMNUS: '您的校友登记没有通过审核，暂时不能签到',
};
const WRONG_CODE = '签到码不对或已失效，请扫活动现场的签到二维码';

/** A message for a failed check-in, and whether to offer 返乡登记. */
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
  CHECKIN_PAGE,
  CHECKIN_TEXT,
  CHECKIN_ERRORS,
  WRONG_CODE,
  parseCheckinPayload,
  parseScene,
  sceneOfPath,
  parseScanResult,
  checkinErrorOf,
};
