/**
 * Returnee registration calls: regions, option lists and the user's own
 * record (/api/v1/me/returnee).
 *
 * Regions and option lists change rarely, so the last good answer is kept in
 * storage and used when the network fails: a weak signal should not stop
 * someone from filling in the form.
 */
const http = require('./request');
const storage = require('../lib/storage');

const CACHE_PREFIX = 'cache_';

// Shared lists, kept at sign-out (lib/storage.js: the `cache_` prefix is not personal).
const readCache = (key) => storage.get(CACHE_PREFIX + key, null);
const writeCache = (key, value) => storage.set(CACHE_PREFIX + key, value);

/** GET with a storage fallback on network or server trouble. Always silent. */
function cachedGet(url, data, cacheKey) {
  return http.get(url, data, { silent: true }).then(
    (body) => {
      writeCache(cacheKey, body);
      return body;
    },
    (err) => {
      const cached = readCache(cacheKey);
      if (cached && (http.isNetworkError(err) || err.status >= 500)) {
        return cached;
      }
      throw err;
    },
  );
}

/**
 * Townships of the district (no parent) or villages of a township.
 * Resolves with [{code, name, level, is_demo}]. Silent: callers show errors.
 */
function getRegions(parent) {
  const data = parent ? { parent } : undefined;
  return cachedGet('/api/v1/regions', data, `regions_${parent || 'root'}`)
    .then((body) => (body && Array.isArray(body.items) ? body.items : []));
}

const OPTION_KINDS = ['intended_field', 'need', 'skill', 'education', 'business_type'];

/** Option lists {intended_field, need, skill, education, business_type}: [{code, label}]. Silent. */
function getOptions() {
  return cachedGet('/api/v1/options', undefined, 'options').then((body) => {
    const out = {};
    OPTION_KINDS.forEach((kind) => {
      out[kind] = body && Array.isArray(body[kind]) ? body[kind] : [];
    });
    return out;
  });
}

/** The user's record, or null when not registered yet (404 NOT_REGISTERED). */
function getMyReturnee(options = {}) {
  return http.get('/api/v1/me/returnee', undefined, Object.assign({}, options, { silent: true })).then(
    (record) => record,
    (err) => {
      if (err.status === 404) {
        return null;
      }
      throw err;
    },
  );
}

/** Creates or updates the record (whole record). Resolves with the saved record. */
function saveMyReturnee(payload, options = {}) {
  return http.put('/api/v1/me/returnee', payload, options);
}

/** "My information is still correct": resolves with the record, confirmed_at updated. */
function confirmMyReturnee(options = {}) {
  return http.post('/api/v1/me/returnee/confirm', null, options);
}

module.exports = {
  OPTION_KINDS,
  getRegions,
  getOptions,
  getMyReturnee,
  saveMyReturnee,
  confirmMyReturnee,
};
