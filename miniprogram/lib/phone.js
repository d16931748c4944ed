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
  NO_CODE: '请将微信升级到最新版本后再绑定手机号',
};

/**
 * Reads the event of <button open-type="getPhoneNumber">: { code } when the
 * user agreed, otherwise { error } with a gentle Chinese hint.
 */
function phoneCodeOf(e) {
  const detail = (e && e.detail) || {};
  const errMsg = typeof detail.errMsg === 'string' ? detail.errMsg : '';
  if (!/:ok$/.test(errMsg)) {
    return { error: PHONE_AUTH_TEXT.DENIED };
  }
  if (!detail.code) {
    return { error: PHONE_AUTH_TEXT.NO_CODE };
  }
  return { code: detail.code };
}

module.exports = { maskPhone, PHONE_AUTH_TEXT, phoneCodeOf };
