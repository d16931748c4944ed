/**
 * 导师线上问诊: asking a chosen mentor or any mentor of a field, my
 * consultations, one thread (for the asker or the assigned mentor: `role`
 * says which), a message in it, closing and rating; the mentor's list.
 * Pictures are upload ids from api/uploads.js (JPEG or PNG).
 *
 * A consultation: { id, mentor_id, mentor_name, field, question, images:
 * [{ id, url }], status (waiting | assigned | answered | closed), due_at,
 * overdue, first_reply_at, closed_by, summary, stars, comment, role (asker |
 * mentor), asker: { name, township, ... } (the mentor's view), messages:
 * [{ id, author (asker | mentor), text, images, created_at }] }.
 */
const http = require('./request');

const TEXT_MAX = 1000;
const IMAGES_MAX = 9;
const SUMMARY_MAX = 500;
const COMMENT_MAX = 500;

const id = (value) => encodeURIComponent(String(value));
const itemsOf = (body) => ({ items: body && Array.isArray(body.items) ? body.items : [] });
const ids = (images) => (images || []).map(String).slice(0, IMAGES_MAX);

/** Every array of a consultation is an array. */
function normalize(c) {
  const out = Object.assign({}, c);
  out.images = Array.isArray(out.images) ? out.images : [];
  out.messages = (Array.isArray(out.messages) ? out.messages : []).map((m) => Object.assign({}, m, {
    images: Array.isArray(m && m.images) ? m.images : [],
  }));
  return out;
}

/**
 * Asks a question (201 Consultation) of a chosen mentor ({ mentorId }) or
 * of any mentor of a field ({ field }). Errors: 422 VALIDATION_FAILED with
 * the field, CONTENT_REJECTED.
 */
function ask({
  mentorId, field, question, images,
}, options = {}) {
  const body = { question: String(question || '').trim() };
  if (mentorId) {
    body.mentor_id = Number(mentorId);
  } else if (field) {
    body.field = String(field);
  }
  const pictures = ids(images);
  if (pictures.length) {
    body.images = pictures;
  }
  return http.post('/api/v1/consultations', body, options).then(normalize);
}

/** My consultations, the latest first: { items }. */
function getMyConsultations(options = {}) {
  return http.get('/api/v1/consultations', undefined, options).then(itemsOf);
}

/** One consultation with its messages. */
function getConsultation(consultationId, options = {}) {
  return http.get(`/api/v1/consultations/${id(consultationId)}`, undefined, options).then(normalize);
}

/** A message in the thread (text and/or pictures): the consultation with it. */
function sendMessage(consultationId, { text, images }, options = {}) {
  const body = {};
  const words = String(text || '').trim();
  if (words) {
    body.text = words;
  }
  const pictures = ids(images);
  if (pictures.length) {
    body.images = pictures;
  }
  return http.post(`/api/v1/consultations/${id(consultationId)}/messages`, body, options).then(normalize);
}

/** Closes the consultation; the mentor may leave a summary. */
function closeConsultation(consultationId, summary, options = {}) {
  const words = String(summary || '').trim();
  return http.post(`/api/v1/consultations/${id(consultationId)}/close`, words ? { summary: words } : {}, options).then(normalize);
}

/** The asker rates a closed consultation once. */
function rateConsultation(consultationId, stars, comment, options = {}) {
  const body = { stars: Number(stars) };
  const words = String(comment || '').trim();
  if (words) {
    body.comment = words;
  }
  return http.post(`/api/v1/consultations/${id(consultationId)}/rate`, body, options).then(normalize);
}

/** The consultations assigned to the signed-in mentor, open ones first: { items }. */
function getMentorConsultations(options = {}) {
  return http.get('/api/v1/mentor/consultations', undefined, options).then(itemsOf);
}

module.exports = {
  TEXT_MAX,
  IMAGES_MAX,
  SUMMARY_MAX,
  COMMENT_MAX,
  ask,
  getMyConsultations,
  getConsultation,
  sendMessage,
  closeConsultation,
  rateConsultation,
  getMentorConsultations,
};
