/**
 * Alumni registration (校友登记): the school list and the user's own alumnus
 * record (/api/v1/me/alumnus), on the same person record as 返乡登记.
 */
const http = require('./request');
const storage = require('../lib/storage');

const SCHOOLS_CACHE_KEY = 'cache_schools';

const readCache = (key) => storage.get(key, null);
const writeCache = (key, value) => storage.set(key, value);

/**
 * Schools for the picker: [{code, name}]. Silent. The last good answer is
 * used on a network or server failure.
 */
function getSchools() {
  return http.get('/api/v1/schools', undefined, { silent: true }).then(
    (body) => {
      const items = body && Array.isArray(body.items) ? body.items : [];
      writeCache(SCHOOLS_CACHE_KEY, items);
      return items;
    },
    (err) => {
      const cached = readCache(SCHOOLS_CACHE_KEY);
      if (Array.isArray(cached) && cached.length && (http.isNetworkError(err) || err.status >= 500)) {
        return cached;
      }
      throw err;
    },
  );
}

/** The user's alumnus record, or null when not registered (404). Silent. */
function getMyAlumnus(options = {}) {
  return http.get('/api/v1/me/alumnus', undefined, Object.assign({}, options, { silent: true })).then(
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
function saveMyAlumnus(payload, options = {}) {
  return http.put('/api/v1/me/alumnus', payload, options);
}

module.exports = {
  SCHOOLS_CACHE_KEY,
  getSchools,
  getMyAlumnus,
  saveMyAlumnus,
};
