/**
 * 楚商信息 (the user's own merchant record) and 为您推荐 (the projects matched to it).
 *
 * GET|PUT /api/v1/me/merchant, POST /api/v1/me/merchant/confirm: the record answers the ID
 * number and phone masked, confirmed_at and fresh (confirmed within the update-rate window).
 * GET /api/v1/me/matches: { items: [{ project, score, reasons: [text], interested }] };
 * POST /api/v1/me/matches/{project id}/interest: 201 the first time, 200 again, 409 without a
 * merchant record.
 */
const http = require('./request');

const id = (value) => encodeURIComponent(String(value));

/** The user's record, or null when there is none yet (404 NOT_REGISTERED). Silent. */
function getMyMerchant(options = {}) {
  return http.get('/api/v1/me/merchant', undefined, Object.assign({}, options, { silent: true })).then(
    (record) => record,
    (err) => {
      if (err && err.status === 404) {
        return null;
      }
      throw err;
    },
  );
}

/** Creates or updates the record (the whole record). Resolves with the saved record. */
function saveMyMerchant(payload, options = {}) {
  return http.put('/api/v1/me/merchant', payload, options);
}

/** "Still correct": resolves with the record, confirmed_at now. */
function confirmMyMerchant(options = {}) {
  return http.post('/api/v1/me/merchant/confirm', null, options);
}

/** The projects recommended to me, best first: { items }. */
function getMyMatches(options = {}) {
  return http.get('/api/v1/me/matches', undefined, options).then((body) => ({
    items: body && Array.isArray(body.items) ? body.items : [],
  }));
}

/**
 * Whether I said 感兴趣 for a project (its id): read from GET /api/v1/me/matches (up to 200, the
 * server's most) as the item's `interested`; false when the project is not among them.
 * Rejects like getMyMatches (409 NOT_MERCHANT without a merchant record).
 */
function getMyInterest(projectId, options = {}) {
  return http.get('/api/v1/me/matches', { limit: 200 }, options).then((body) => {
    const items = body && Array.isArray(body.items) ? body.items : [];
    return items.some((m) => !!(m && m.project && String(m.project.id) === String(projectId) && m.interested));
  });
}

/** 感兴趣 for a project (its id): reaches the project's contact department. */
function markInterest(projectId, options = {}) {
  return http.post(`/api/v1/me/matches/${id(projectId)}/interest`, null, options);
}

module.exports = {
  getMyMerchant,
  saveMyMerchant,
  confirmMyMerchant,
  getMyMatches,
  markInterest,
  getMyInterest,
};
