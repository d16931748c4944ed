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
 *     domain in PROD_BASE_URL below; it is used automatically for the
 *     `trial` and `release` environments.
 */

const DEV_BASE_URL = 'http://127.0.0.1:8080';

// Fill in the registered HTTPS domain before uploading a trial/release build.
// While empty, every environment falls back to DEV_BASE_URL.
const PROD_BASE_URL = '';

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

function resolveBaseUrl() {
  const env = currentEnvVersion();
  if (env !== 'develop' && PROD_BASE_URL) {
    return PROD_BASE_URL;
  }
  return DEV_BASE_URL;
}

module.exports = {
  API_BASE_URL: resolveBaseUrl(),
  // wx.request timeout in milliseconds.
  REQUEST_TIMEOUT: 15000,
  // Storage key holding the session token.
  TOKEN_KEY: 'token',
  // wx.uploadFile timeout: photos over a weak mobile network take a while.
  UPLOAD_TIMEOUT: 120000,
};
