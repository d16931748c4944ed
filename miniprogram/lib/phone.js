/**
 * Returns a phone number safe to display: the server already masks it
 * ("138****5678"); a full 11-digit mainland number is masked here as a
 * safeguard. Empty/null gives ''.
 */
function maskPhone(phone) {
  if (phone === null || phone === undefined) {
    return '';
  }
  const text = String(phone).trim();
  const m = /^(?:\+?86)?(1\d{2})\d{4}(\d{4})$/.exec(text);
  if (m) {
    return `${m[1]}****${m[2]}`;
  }
  return text;
}


const PHONE_AUTH_TEXT = {
  DENIED: '您已取消授权，可随时再绑定手机号',
  FAILED: '暂时没拿到手机号，请稍后再点一次',
  NO_CODE: '请将微信升级到最新版本后再绑定手机号',
};

/** The user's own 拒绝 (not a missing permission, a privacy refusal or a WeChat failure). */
function isUserCancel(errMsg) {
  return /user deny|cancel/i.test(String(errMsg || ''));
}

/**
 * Reads the event of <button open-type="getPhoneNumber">: { code } when the
 * user agreed, otherwise { error } with a gentle Chinese hint. Only a
 * refusal by the user is called one (issue 11, item 10); any other failure
 * says to try again. components/phone-binding reads the event the same way.
 */
function phoneCodeOf(e) {
  const detail = (e && e.detail) || {};
  const errMsg = typeof detail.errMsg === 'string' ? detail.errMsg : '';
  if (!/:ok$/.test(errMsg)) {
    return { error: isUserCancel(errMsg) ? PHONE_AUTH_TEXT.DENIED : PHONE_AUTH_TEXT.FAILED };
  }
  if (!detail.code) {
    return { error: PHONE_AUTH_TEXT.NO_CODE };
  }
  return { code: detail.code };
}

module.exports = {
  maskPhone, PHONE_AUTH_TEXT, isUserCancel, phoneCodeOf,
};
