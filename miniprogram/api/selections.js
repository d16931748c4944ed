/**
 * 评选 (yearly selections): the ones taking self-nominations and the
 * published ones with their winners; nominating myself with a statement
 * and materials I uploaded (api/uploads.js).
 *
 * A selection: { id, year, kind (demo_enterprise | outstanding_entrepreneur
 * | outstanding_alumni), kind_name, title, description, department, quota,
 * opens_on, closes_on (YYYY-MM-DD, Beijing), status (open | published),
 * selected, nominations_open, published_at, winners: [{ name, township,
 * statement }] }.
 */
const http = require('./request');

const STATEMENT_MAX = 2000;
const MATERIALS_MAX = 10;

/** The selections: { items } (winners always an array). */
function getSelections(options = {}) {
  return http.get('/api/v1/selections', undefined, options).then((body) => ({
    items: (body && Array.isArray(body.items) ? body.items : []).map((s) => Object.assign({}, s, {
      winners: Array.isArray(s && s.winners) ? s.winners : [],
    })),
  }));
}

/**
 * Nominates me (201 Nomination). Errors: 409 DUPLICATE / NOMINATIONS_CLOSED,
 * 422 NOT_REGISTERED / VALIDATION_FAILED / ATTACHMENT_INVALID.
 */
function nominate(selectionId, statement, materials, options = {}) {
  const body = {
    statement: String(statement || '').trim(),
    materials: (materials || []).map(String),
  };
  return http.post(`/api/v1/selections/${encodeURIComponent(String(selectionId))}/nominations`, body, options);
}

module.exports = {
  STATEMENT_MAX,
  MATERIALS_MAX,
  getSelections,
  nominate,
};
