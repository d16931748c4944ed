/**
 * 我的诉求 (诉求清单化办理): submitting a request, my requests, one request
 * with its timeline, rating a closed one (满意 / 基本满意 / 不满意, once per
 * close) and reopening it (once ever). Photos are upload ids from
 * api/uploads.js (JPEG or PNG). The server calls them "requests".
 *
 * A request: { id, category, category_name, text, images: [{ id, url }],
 * township_code, township, status (submitted | assigned | replied | closed),
 * status_name, department, due_at, overdue, reply, replied_at, closed_at,
 * rating (satisfied | basic | unsatisfied | null), rating_name, reopened,
 * can_rate, can_reopen, created_at, events: [{ id, action, action_name,
 * actor_type, department, due_at, note, created_at }] }.
 */
const http = require('./request');

const TEXT_MAX = 1000;
const IMAGES_MAX = 6;
const COMMENT_MAX = 500;
const REASON_MAX = 500;

/** The fixed categories, as the server keeps them. */
const CATEGORIES = [
  { code: 'policy', name: '政策咨询' },
  { code: 'permit', name: '审批办证' },
  { code: 'land_labor', name: '用地用工' },
  { code: 'finance', name: '融资信贷' },
  { code: 'infrastructure', name: '基础设施' },
  { code: 'other', name: '其他' },
];

/** The ratings, best first. */
const RATINGS = [
  { code: 'satisfied', name: '满意' },
  { code: 'basic', name: '基本满意' },
  { code: 'unsatisfied', name: '不满意' },
];

const id = (value) => encodeURIComponent(String(value));
const itemsOf = (body) => ({ items: body && Array.isArray(body.items) ? body.items : [] });

/** Every array of a request is an array. */
function normalize(r) {
  const out = Object.assign({}, r);
  out.images = Array.isArray(out.images) ? out.images : [];
  out.events = Array.isArray(out.events) ? out.events : [];
  return out;
}

/**
 * Submits a request (201 Request). townshipCode is optional: the server
 * takes the township of the user's record. Errors: 422 VALIDATION_FAILED
 * with the field, CONTENT_REJECTED.
 */
function submitRequest({
  category, text, images, townshipCode,
}, options = {}) {
  const body = { category: String(category || ''), text: String(text || '').trim() };
  const pictures = (images || []).map(String).slice(0, IMAGES_MAX);
  if (pictures.length) {
    body.images = pictures;
  }
  if (townshipCode) {
    body.township_code = String(townshipCode);
  }
  return http.post('/api/v1/requests', body, options).then(normalize);
}

/** My requests, the latest first: { items }. */
function getMyRequests(options = {}) {
  return http.get('/api/v1/requests', undefined, options).then(itemsOf);
}

/** One of my requests with its timeline. */
function getRequest(requestId, options = {}) {
  return http.get(`/api/v1/requests/${id(requestId)}`, undefined, options).then(normalize);
}

/** Rates a closed request (once per close); 409 ALREADY_RATED. */
function rateRequest(requestId, rating, comment, options = {}) {
  const body = { rating: String(rating) };
  const words = String(comment || '').trim();
  if (words) {
    body.comment = words;
  }
  return http.post(`/api/v1/requests/${id(requestId)}/rate`, body, options).then(normalize);
}

/** Reopens a closed request with a reason (once ever); 409 ALREADY_REOPENED. */
function reopenRequest(requestId, reason, options = {}) {
  const body = { reason: String(reason || '').trim() };
  return http.post(`/api/v1/requests/${id(requestId)}/reopen`, body, options).then(normalize);
}

module.exports = {
  TEXT_MAX,
  IMAGES_MAX,
  COMMENT_MAX,
  REASON_MAX,
  CATEGORIES,
  RATINGS,
  submitRequest,
  getMyRequests,
  getRequest,
  rateRequest,
  reopenRequest,
};
