/**
 * Promise wrapper around wx.request for the huixiang backend.
 *
 * - Attaches `Authorization: Bearer <token>` read from storage key `token`.
 * - On HTTP 401 it signs in again ONCE (wx.login -> POST /api/v1/auth/login),
 *   stores the new token and retries the original request once. Concurrent
 *   401s share a single re-sign-in. A second 401 is final: no loops.
 * - Shows the server's Chinese error message as a toast unless the caller
 *   passes `{ silent: true }`.
 * - Rejects with an ApiError carrying `code`, `status`, `message` and, when
 *   the server names one, `field`.
 * - `keepUntilOnline: true` on a request that carries an Idempotency-Key:
 *   a network failure does not reject; the request is kept in memory
 *   (lib/network/online-queue.js) and sent again, with the same key and
 *   body, when WeChat reports the network back. `onKept(err)` is called
 *   when that happens, so the page can say so.
 */
const config = require('../config');
const onlineQueue = require('../lib/network/online-queue');

const LOGIN_PATH = '/api/v1/auth/login';

const MESSAGES = {
  NETWORK: '手机没有连上网络，请检查信号或Wi-Fi后再点一次',
  BUSY: '服务繁忙，请稍后重试',
  SESSION_EXPIRED: '登录已过期，请重新登录',
  GENERIC: '请求失败，请稍后重试',
  WX_LOGIN_FAILED: '微信登录失败，请稍后重试',
  BAD_RESPONSE: '服务返回异常，请稍后重试',
  BAD_BASE_URL: '小程序暂时连不上服务器，请联系工作人员',
};

// A toast with icon "none" shows at most two short lines; keep it readable.
const TOAST_MAX_CHARS = 28;
const TOAST_DURATION_MS = 2500;

class ApiError extends Error {
  constructor({ code, status, message, retryAfter, errMsg, field }) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    if (field) {
      // The JSON field the server blames, e.g. "id_card" or "business.uscc".
      this.field = field;
    }
    if (retryAfter !== undefined && retryAfter !== null) {
      this.retryAfter = retryAfter;
    }
    if (errMsg) {
      this.errMsg = errMsg;
    }
  }
}

function truncate(text, max) {
  const chars = Array.from(String(text));
  if (chars.length <= max) {
    return chars.join('');
  }
  return `${chars.slice(0, max - 1).join('')}…`;
}

function showErrorToast(message) {
  try {
    wx.showToast({
      title: truncate(message || MESSAGES.GENERIC, TOAST_MAX_CHARS),
      icon: 'none',
      duration: TOAST_DURATION_MS,
    });
  } catch (e) {
    // Never let a UI failure hide the real error.
  }
}

function getToken() {
  try {
    return wx.getStorageSync(config.TOKEN_KEY) || '';
  } catch (e) {
    return '';
  }
}

function setToken(token) {
  try {
    wx.setStorageSync(config.TOKEN_KEY, token);
  } catch (e) {
    // Storage full or unavailable: the session still works until restart.
  }
}

function clearToken() {
  try {
    wx.removeStorageSync(config.TOKEN_KEY);
  } catch (e) {
    // ignore
  }
}

function buildUrl(url) {
  if (/^https?:\/\//i.test(url)) {
    return url;
  }
  return config.API_BASE_URL + (url.charAt(0) === '/' ? url : `/${url}`);
}

function headerValue(headers, name) {
  if (!headers) {
    return undefined;
  }
  const wanted = name.toLowerCase();
  const key = Object.keys(headers).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : headers[key];
}

/** Returns Retry-After in seconds, or null when absent/unparseable. */
function parseRetryAfter(headers) {
  const raw = headerValue(headers, 'Retry-After');
  if (raw === undefined || raw === null || raw === '') {
    return null;
  }
  const text = String(raw).trim();
  if (/^\d+$/.test(text)) {
    return parseInt(text, 10);
  }
  const date = Date.parse(text);
  if (!Number.isNaN(date)) {
    return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  }
  return null;
}

function parseBody(data) {
  if (typeof data === 'string' && data) {
    try {
      return JSON.parse(data);
    } catch (e) {
      return data;
    }
  }
  return data;
}

function networkError(err) {
  const errMsg = (err && err.errMsg) || '';
  return new ApiError({
    code: /timeout/i.test(errMsg) ? 'NETWORK_TIMEOUT' : 'NETWORK_ERROR',
    status: 0,
    message: MESSAGES.NETWORK,
    errMsg,
  });
}

function isNetworkError(err) {
  return !!err && (err.code === 'NETWORK_ERROR' || err.code === 'NETWORK_TIMEOUT');
}

function errorFromResponse(res) {
  const status = res.statusCode;
  const body = parseBody(res.data);
  const envelope = body && typeof body === 'object' && body.error && typeof body.error === 'object'
    ? body.error
    : null;

  let code = envelope && envelope.code ? String(envelope.code) : '';
  let message = envelope && envelope.message ? String(envelope.message) : '';
  const field = envelope && envelope.field ? String(envelope.field) : '';
  if (!code) {
    code = status === 401 ? 'SESSION_EXPIRED' : `HTTP_${status}`;
  }
  if (!message) {
    if (status === 401) {
      message = MESSAGES.SESSION_EXPIRED;
    } else if (status >= 500) {
      message = MESSAGES.BUSY;
    } else {
      message = MESSAGES.GENERIC;
    }
  }

  const retryAfter = status === 503 ? parseRetryAfter(res.header) : null;
  if (status === 503 && retryAfter !== null) {
    // The backend is overloaded or WeChat is unreachable: ask to wait.
    message = MESSAGES.BUSY;
  }
  return new ApiError({ code, status, message, retryAfter, field });
}

/**
 * Trial and release builds never call a local or plain-http address (a
 * forgotten PROD_BASE_URL must fail loudly, not reach 127.0.0.1 silently).
 * Returns the ApiError to reject with, or null. Shared by every transport.
 */
function refuseOutsideDevelop(fullUrl) {
  if (config.ENV_VERSION === 'develop' || config.isReleaseUrl(fullUrl)) {
    return null;
  }
  return new ApiError({ code: 'BAD_BASE_URL', status: 0, message: MESSAGES.BAD_BASE_URL });
}

/** One raw wx.request call. Resolves with the wx response, rejects on network failure. */
function send(opts, token) {
  const refused = refuseOutsideDevelop(buildUrl(opts.url));
  if (refused) {
    return Promise.reject(refused);
  }
  const header = Object.assign({ 'Content-Type': 'application/json' }, opts.header || {});
  if (token) {
    header.Authorization = `Bearer ${token}`;
  }
  return new Promise((resolve, reject) => {
    wx.request({
      url: buildUrl(opts.url),
      method: opts.method,
      data: opts.data,
      header,
      timeout: config.REQUEST_TIMEOUT,
      dataType: 'json',
      success: (res) => resolve(res),
      fail: (err) => reject(networkError(err)),
    });
  });
}

function wxLogin() {
  return new Promise((resolve, reject) => {
    const failed = (errMsg) => reject(new ApiError({
      code: 'WX_LOGIN_FAILED',
      status: 0,
      message: MESSAGES.WX_LOGIN_FAILED,
      errMsg,
    }));
    wx.login({
      timeout: config.REQUEST_TIMEOUT,
      success: (res) => (res && res.code ? resolve(res.code) : failed(res && res.errMsg)),
      fail: (err) => failed(err && err.errMsg),
    });
  });
}

/**
 * Signs in with WeChat: wx.login -> POST /api/v1/auth/login -> store token.
 * Resolves with the login response body ({token, expires_in, user}).
 */
function signIn(options = {}) {
  return wxLogin()
    .then((code) => request({
      url: LOGIN_PATH,
      method: 'POST',
      data: { code },
      auth: false,
      silent: true,
    }))
    .then((body) => {
      if (!body || typeof body.token !== 'string' || !body.token) {
        throw new ApiError({ code: 'BAD_RESPONSE', status: 200, message: MESSAGES.BAD_RESPONSE });
      }
      setToken(body.token);
      return body;
    })
    .catch((err) => {
      if (!options.silent) {
        showErrorToast(err.message);
      }
      throw err;
    });
}

// The re-sign-in in flight, shared by every request that hit 401 meanwhile.
let pendingReauth = null;

function reauthenticate(usedToken) {
  const current = getToken();
  if (current && current !== usedToken) {
    // Someone already signed in again after this request was sent.
    return Promise.resolve(current);
  }
  if (!pendingReauth) {
    pendingReauth = signIn({ silent: true }).then(
      (body) => {
        pendingReauth = null;
        return body.token;
      },
      (err) => {
        pendingReauth = null;
        throw err;
      },
    );
  }
  return pendingReauth;
}

function isSuccess(status) {
  return status >= 200 && status < 300;
}

function attempt(opts, retried) {
  const token = opts.auth ? getToken() : '';
  return send(opts, token).then((res) => {
    if (isSuccess(res.statusCode)) {
      return res.statusCode === 204 || res.data === '' ? null : parseBody(res.data);
    }

    if (res.statusCode === 401 && opts.auth && opts.reauth && !retried) {
      return reauthenticate(token).then(
        () => attempt(opts, true),
        (reauthErr) => {
          // Network or server trouble while signing in again: report that,
          // the session itself may well be fine.
          if (isNetworkError(reauthErr) || reauthErr.status >= 500) {
            throw reauthErr;
          }
          if (getToken() === token) {
            clearToken();
          }
          throw errorFromResponse(res);
        },
      );
    }

    const err = errorFromResponse(res);
    if (err.status === 401 && opts.auth && token && getToken() === token) {
      clearToken();
    }
    throw err;
  });
}

function hasIdempotencyKey(header) {
  const key = headerValue(header, 'Idempotency-Key');
  return typeof key === 'string' && key !== '';
}

function asApiError(err) {
  return err instanceof ApiError
    ? err
    : new ApiError({ code: 'UNKNOWN', status: 0, message: MESSAGES.GENERIC, errMsg: err && err.message });
}

/** Whether a network failure of this request is kept and sent again later. */
function keptWhenOffline(opts, error) {
  return !!opts.keepUntilOnline && isNetworkError(error) && hasIdempotencyKey(opts.header)
    && onlineQueue.available();
}

/**
 * request({ url, method = 'GET', data, header, silent = false, auth = true, reauth = true,
 *           keepUntilOnline = false, onKept })
 *   url     path below API_BASE_URL (e.g. '/api/v1/me') or an absolute URL
 *   silent  do not show an error toast; the caller handles the error
 *   auth    attach the stored token (false for the login call itself)
 *   reauth  on 401, sign in again once and retry (false e.g. for logout)
 *   keepUntilOnline  (only with an Idempotency-Key header) after a network
 *           failure, wait for the network and send it again; onKept(err) tells
 */
function request(options) {
  const opts = Object.assign({
    method: 'GET',
    silent: false,
    auth: true,
    reauth: true,
    keepUntilOnline: false,
  }, options);
  opts.method = String(opts.method).toUpperCase();

  const fail = (err) => {
    const error = asApiError(err);
    if (!opts.silent) {
      showErrorToast(error.message);
    }
    throw error;
  };

  return attempt(opts, false).catch((err) => {
    const error = asApiError(err);
    if (!keptWhenOffline(opts, error)) {
      return fail(error);
    }
    const kept = onlineQueue.hold(() => attempt(opts, false), { isNetworkError });
    if (typeof opts.onKept === 'function') {
      try {
        opts.onKept(error);
      } catch (e) {
        // The page's notice must not lose the request.
      }
    }
    return kept.catch(fail);
  });
}

/**
 * Sends the requests kept for the network again now (a 现在再试一次 tap:
 * a weak signal may never be reported as a change). Those that fail for
 * the network again keep waiting.
 */
function retryKeptNow() {
  onlineQueue.flush();
}

function get(url, data, options) {
  return request(Object.assign({}, options, { url, method: 'GET', data }));
}

function post(url, data, options) {
  return request(Object.assign({}, options, { url, method: 'POST', data }));
}

function put(url, data, options) {
  return request(Object.assign({}, options, { url, method: 'PUT', data }));
}

module.exports = {
  ApiError,
  MESSAGES,
  TOAST_MAX_CHARS,
  request,
  get,
  post,
  put,
  signIn,
  getToken,
  setToken,
  clearToken,
  isNetworkError,
  hasIdempotencyKey,
  retryKeptNow,
  parseRetryAfter,
  truncate,
  // For the other wx transports (uploadFile, downloadFile).
  buildUrl,
  refuseOutsideDevelop,
  errorFromResponse,
  showErrorToast,
};
