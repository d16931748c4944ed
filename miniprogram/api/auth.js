/**
 * Sign-in and account calls for the huixiang backend.
 */
const http = require('./request');

/**
 * Signs in with WeChat and stores the session token.
 * Resolves with the user object ({id, phone, roles}).
 * Shows an error toast on failure unless `{ silent: true }`.
 */
function login(options = {}) {
  return http.signIn(options).then((body) => body.user || null);
}

/**
 * Signs out. The local token is dropped immediately so the UI can switch to
 * the signed-out state at once; the server call is best effort (a weak
 * network must not keep the user signed in). Always resolves.
 */
function logout() {
  const token = http.getToken();
  http.clearToken();
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

module.exports = {
  login,
  logout,
  getMe,
  bindPhone,
};
