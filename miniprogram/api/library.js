/**
 * The policy library (政策清单): published policies by category, searched
 * on the server (Chinese search is done there), 适合我 and my favourites;
 * one policy with each condition answered for me; keeping a favourite.
 *
 * A list item: { id, title, category, targets, summary, expires_on,
 * published_at }. A policy: the published content (title, doc_no, issuer,
 * category, targets, summary, body_html, benefits, materials, steps,
 * contact_dept, contact_phone, effective_on, expires_on, source_url,
 * application_code) with id, version, published_at, conditions
 * [{ text, state: met | unmet | unknown }], fits and favorite.
 */
const http = require('./request');

const id = (value) => encodeURIComponent(String(value));

/**
 * One page of the list: { items, total, page, page_size, categories }.
 * filter: { category, target, q, forMe, favorites } (empty ones are left out).
 */
function getLibrary(filter = {}, page = 1, options = {}) {
  const query = { page: page || 1 };
  if (filter.category) query.category = filter.category;
  if (filter.target) query.target = filter.target;
  const q = String(filter.q || '').trim().slice(0, 100);
  if (q) query.q = q;
  if (filter.forMe) query.for_me = '1';
  if (filter.favorites) query.favorites = '1';
  return http.get('/api/v1/policy-library', query, options).then((body) => ({
    items: body && Array.isArray(body.items) ? body.items : [],
    total: Number((body && body.total) || 0),
    page: Number((body && body.page) || page || 1),
    page_size: Number((body && body.page_size) || 20),
    categories: body && Array.isArray(body.categories) ? body.categories : [],
  }));
}

/** One published policy as I read it (404 NOT_FOUND: withdrawn or never published). */
function getPolicy(policyId, options = {}) {
  return http.get(`/api/v1/policy-library/${id(policyId)}`, undefined, options);
}

/** Keeps the policy in my favourites (204). */
function addFavorite(policyId, options = {}) {
  return http.post(`/api/v1/policy-library/${id(policyId)}/favorite`, null, options);
}

/** Removes it from my favourites (204, also when it was not there). */
function removeFavorite(policyId, options = {}) {
  return http.request(Object.assign({}, options, {
    url: `/api/v1/policy-library/${id(policyId)}/favorite`, method: 'DELETE',
  }));
}

module.exports = {
  getLibrary,
  getPolicy,
  addFavorite,
  removeFavorite,
};
