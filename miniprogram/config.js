/**
 * Runtime configuration for the huixiang mini-program.
 *
 * API_BASE_URL is the root of the Go backend (no trailing slash).
 *
 * How to change it:
 *   - Local development in WeChat DevTools: keep the default
 *     `http://127.0.0.1:8080` (the backend's dev listen address) and tick
 *     "不校验合法域名、web-view（业务域名）、TLS 版本以及 HTTPS 证书" in
 *     DevTools → 详情 → 本地设置 (project.config.json already sets
 *     `urlCheck: false`).
 *   - Previewing on a real phone: 127.0.0.1 is the phone itself, so replace
 *     it with the LAN address of the machine running the backend, e.g.
 *     `http://192.168.1.20:8080`, and enable "开发调试" on the phone.
 *   - Trial / release builds: WeChat only allows HTTPS domains registered in
 *     the mini-program admin console (开发管理 → 服务器域名). Put that
 *     domain in PROD_BASE_URL below before uploading; it is chosen from
 *     wx.getAccountInfoSync().miniProgram.envVersion (`trial`, `release`).
 */

const DEV_BASE_URL = 'http://127.0.0.1:8080';

// SET BEFORE UPLOAD: the HTTPS domain registered under 开发管理 → 服务器域名.
// Trial and release builds use it; they never fall back to DEV_BASE_URL
// (api/request.js refuses to call a local or plain-http address from them).
const PROD_BASE_URL = 'https://huixiang.xianan.gov.cn';

/** develop | trial | release (develop when WeChat cannot tell). */
function currentEnvVersion() {
  try {
    if (typeof wx !== 'undefined' && typeof wx.getAccountInfoSync === 'function') {
      const info = wx.getAccountInfoSync();
      return (info && info.miniProgram && info.miniProgram.envVersion) || 'develop';
    }
  } catch (e) {
    // getAccountInfoSync is unavailable on very old base libraries.
  }
  return 'develop';
}

function baseUrlFor(envVersion) {
  return envVersion === 'develop' ? DEV_BASE_URL : PROD_BASE_URL;
}

/** True for a base URL a phone may use outside development: https, not local. */
function isReleaseUrl(url) {
  const match = /^https:\/\/([^/:]+)/i.exec(String(url || ''));
  if (!match) {
    return false;
  }
  const host = match[1].toLowerCase();
  return !(host === 'localhost' || /^127\./.test(host) || host === '0.0.0.0'
    || /^10\./.test(host) || /^192\.168\./.test(host) || /^172\.(1[6-9]|2\d|3[01])\./.test(host));
}

const ENV_VERSION = currentEnvVersion();

module.exports = {
  ENV_VERSION,
  DEV_BASE_URL,
  PROD_BASE_URL,
  API_BASE_URL: baseUrlFor(ENV_VERSION),
  baseUrlFor,
  isReleaseUrl,
  // wx.request timeout in milliseconds.
  REQUEST_TIMEOUT: 15000,
  // Storage key holding the session token.
  TOKEN_KEY: 'token',
  // wx.uploadFile timeout: photos over a weak mobile network take a while.
  UPLOAD_TIMEOUT: 120000,
};
