/**
 * Support policies (创业扶持) and the user's applications for them.
 *
 * Money is integer fen in both directions. Every state change carries the
 * application's `version`; a stale one is answered with 409 STALE_VERSION.
 */
const http = require('./request');

const POLICIES_CACHE_KEY = 'cache_policies';

function readCache(key) {
  try {
    return wx.getStorageSync(key) || null;
  } catch (e) {
    return null;
  }
}

function writeCache(key, value) {
  try {
    wx.setStorageSync(key, value);
  } catch (e) {
    // Storage full: the cache is only a convenience.
  }
}

/**
 * The open support types with the caller's eligibility:
 * { subscribe_template_id, items: [policy...], cached? }.
 * Silent. On a network or server failure the last good answer is used,
 * marked `cached: true` (its eligibility may be out of date).
 */
function getPolicies() {
  return http.get('/api/v1/policies', undefined, { silent: true }).then(
    (body) => {
      const out = {
        subscribe_template_id: (body && body.subscribe_template_id) || '',
        items: body && Array.isArray(body.items) ? body.items : [],
      };
      writeCache(POLICIES_CACHE_KEY, out);
      return out;
    },
    (err) => {
      const cached = readCache(POLICIES_CACHE_KEY);
      if (cached && (http.isNetworkError(err) || err.status >= 500)) {
        return Object.assign({}, cached, { cached: true });
      }
      throw err;
    },
  );
}

/** The subscribe template ID from the last policies answer ('' if never loaded). */
function cachedTemplateId() {
  const cached = readCache(POLICIES_CACHE_KEY);
  return (cached && cached.subscribe_template_id) || '';
}

/** My applications, newest first as the server sends them. */
function listApplications(options = {}) {
  return http.get('/api/v1/applications', undefined, options)
    .then((body) => (body && Array.isArray(body.items) ? body.items : []));
}

/** One application with its timeline, attachments and disbursement. */
function getApplication(id, options = {}) {
  return http.get(`/api/v1/applications/${encodeURIComponent(id)}`, undefined, options);
}

/**
 * Creates a draft. `idempotencyKey` is made once per form and kept with the
 * draft, so a retry after a lost answer gets the same application back.
 * With `{ keepUntilOnline: true, onKept }` a network failure does not reject:
 * the request waits in memory and is sent again, with the same key, when
 * the network is back (api/request.js).
 */
function createApplication(body, idempotencyKey, options = {}) {
  return http.post('/api/v1/applications', body, Object.assign({}, options, {
    header: Object.assign({}, options.header, { 'Idempotency-Key': idempotencyKey }),
  }));
}

/**
 * Changes a draft or returned application: body carries the fields and
 * `version`. The server takes it as a JSON merge patch: fields left out keep
 * their values, a field sent as null is cleared.
 */
function updateApplication(id, body, options = {}) {
  // PUT, not PATCH: wx.request has no PATCH method; the server takes both.
  return http.put(`/api/v1/applications/${encodeURIComponent(id)}`, body, options);
}

function submitApplication(id, version, options = {}) {
  return http.post(`/api/v1/applications/${encodeURIComponent(id)}/submit`, { version }, options);
}

function withdrawApplication(id, version, options = {}) {
  return http.post(`/api/v1/applications/${encodeURIComponent(id)}/withdraw`, { version }, options);
}

module.exports = {
  POLICIES_CACHE_KEY,
  getPolicies,
  cachedTemplateId,
  listApplications,
  getApplication,
  createApplication,
  updateApplication,
  submitApplication,
  withdrawApplication,
};
