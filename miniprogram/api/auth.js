/**
 * Sign-in and account calls for the huixiang backend.
 */
const http = require('./request');
const storage = require('../lib/storage');
const privacy = require('../lib/privacy');

const PRIVACY_KEY = 'privacy_accepted';

const TEXT = {
  PRIVACY_TITLE: '保护您的个人信息',
  PRIVACY_ASK: '身份证号和银行卡号只用于办理补贴和贷款，按《隐私保护指引》保管。您同意后才能提交。',
  AGREE: '同意',
  DECLINE: '不同意',
};

/**
 * Signs in with WeChat and stores the session token.
 * Resolves with the user object ({id, phone, roles}).
 * Shows an error toast on failure unless `{ silent: true }`.
 */
function login(options = {}) {
  return http.signIn(options).then((body) => body.user || null);
}

// The silent sign-in in flight, shared by app launch and the first page.
let pendingSignIn = null;

/**
 * Makes sure there is a session: resolves at once with a stored token,
 * otherwise signs in silently (wx.login → POST /api/v1/auth/login) once,
 * however many callers wait. Rejects with the ApiError of a failed sign-in
 * (no toast: the page shows it with a retry button).
 */
function ensureSignedIn() {
  if (http.getToken()) {
    return Promise.resolve();
  }
  if (!pendingSignIn) {
    pendingSignIn = http.signIn({ silent: true }).then(
      () => {
        pendingSignIn = null;
      },
      (err) => {
        pendingSignIn = null;
        throw err;
      },
    );
  }
  return pendingSignIn;
}

/**
 * Signs out and forgets everything personal kept on the phone (drafts,
 * ID numbers typed, the token…, see lib/storage.js). The server call is
 * best effort (a weak network must not keep the user signed in). Always
 * resolves.
 */
function logout() {
  const token = http.getToken();
  storage.clearPersonal();
  if (!token) {
    return Promise.resolve();
  }
  return http.post('/api/v1/auth/logout', null, {
    auth: false,
    reauth: false,
    silent: true,
    header: { Authorization: `Bearer ${token}` },
  }).then(() => undefined, () => undefined);
}

/** Current user: {id, phone, roles, created_at}; phone is masked or null. */
function getMe(options = {}) {
  return http.get('/api/v1/me', undefined, options);
}

/**
 * Binds the phone number the user authorised with
 * <button open-type="getPhoneNumber">. Resolves with the masked phone.
 */
function bindPhone(code, options = {}) {
  return http.post('/api/v1/me/phone', { code }, options).then((body) => (body && body.phone) || null);
}

/** Records that the user accepted this policy version (204). */
function acceptPrivacy(version = privacy.VERSION, options = {}) {
  return http.post('/api/v1/me/privacy-consent', { version }, options).then(() => {
    storage.set(PRIVACY_KEY, version);
  });
}

function hasAcceptedLocally() {
  return storage.get(PRIVACY_KEY) === privacy.VERSION;
}

function askForConsent() {
  return new Promise((resolve) => {
    wx.showModal({
      title: TEXT.PRIVACY_TITLE,
      content: TEXT.PRIVACY_ASK,
      confirmText: TEXT.AGREE,
      cancelText: TEXT.DECLINE,
      success: (res) => resolve(!!(res && res.confirm)),
      fail: () => resolve(false),
    });
  });
}

/**
 * Call before sending an ID number or a bank account: the server refuses
 * them (422 PRIVACY_CONSENT_REQUIRED) until the user has accepted the
 * current policy. Resolves true when accepted (asking once if needed,
 * with 同意 / 不同意), false when the user declined. `{ fresh: true }`
 * ignores what the phone remembers (after a 422). Network errors reject
 * (toasted unless `silent`).
 */
function ensurePrivacyConsent(options = {}) {
  if (!options.fresh && hasAcceptedLocally()) {
    return Promise.resolve(true);
  }
  return getMe({ silent: options.silent }).then((me) => {
    // privacy.current is the version the server asks for (always set);
    // privacy.version the one this user accepted (null when none).
    const state = me && me.privacy;
    if (state && state.version && state.version === state.current) {
      storage.set(PRIVACY_KEY, privacy.VERSION);
      return true;
    }
    return askForConsent().then((agreed) => {
      if (!agreed) {
        return false;
      }
      return acceptPrivacy(privacy.VERSION, { silent: options.silent }).then(() => true);
    });
  });
}

/**
 * Sends something that carries an ID number or a bank account: asks for the
 * privacy consent first (once), and when the server still answers 422
 * PRIVACY_CONSENT_REQUIRED (the policy version changed meanwhile) asks
 * again and sends once more. Resolves `{ declined: true }` when the user
 * does not agree (nothing was sent), else `{ result }`; rejects with the
 * send's error.
 */
function sendWithPrivacyConsent(send, afterRefusal = false) {
  return ensurePrivacyConsent({ silent: true, fresh: afterRefusal }).then((agreed) => {
    if (!agreed) {
      return { declined: true };
    }
    return send().then(
      (result) => ({ result }),
      (err) => {
        if (err && err.code === 'PRIVACY_CONSENT_REQUIRED' && !afterRefusal) {
          return sendWithPrivacyConsent(send, true);
        }
        throw err;
      },
    );
  });
}

module.exports = {
  TEXT,
  sendWithPrivacyConsent,
  login,
  ensureSignedIn,
  logout,
  acceptPrivacy,
  ensurePrivacyConsent,
  getMe,
  bindPhone,
};
