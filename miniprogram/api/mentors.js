/**
 * 创业导师团 and 导师服务预约: the mentors (public profiles), one mentor with
 * the open slots of the next 14 days, booking a slot, my appointments, one
 * appointment (for the booker or the mentor: `viewer` says which), and the
 * mentor's own side (/api/v1/mentor/...: appointments and their actions,
 * the weekly availability with its exceptions).
 *
 * A mentor: { id, name, fields (intended_field codes), organisation, title,
 * bio, photo_url, modes (online | phone | in_person), slot_minutes, slots:
 * [{ start, end }] (RFC 3339, +08:00) on GET /mentors/{id} }.
 * An appointment: { id, mentor_id, mentor_name, booker_name, viewer, start,
 * end, mode, topic, status (requested | confirmed | declined | cancelled |
 * attended | no_show), note, cancelled_by, cancel_message, stars, comment }.
 */
const http = require('./request');

const TOPIC_MAX = 200;
const NOTE_MAX = 1000;
const CANCEL_MESSAGE_MAX = 200;
const COMMENT_MAX = 500;
// At most this many upcoming appointments per user (409 TOO_MANY_APPOINTMENTS).
const UPCOMING_MAX = 2;

const MODES = ['online', 'phone', 'in_person'];
const MENTOR_ACTIONS = ['confirm', 'decline', 'attended', 'no-show', 'cancel'];

const id = (value) => encodeURIComponent(String(value));
const itemsOf = (body) => ({ items: body && Array.isArray(body.items) ? body.items : [] });

/** The active mentors, of one field when given: { items }. */
function getMentors(field, options = {}) {
  return http.get('/api/v1/mentors', field ? { field } : undefined, options).then(itemsOf);
}

/** One mentor's profile with the open slots (always an array). */
function getMentor(mentorId, options = {}) {
  return http.get(`/api/v1/mentors/${id(mentorId)}`, undefined, options).then((body) => Object.assign({}, body, {
    slots: body && Array.isArray(body.slots) ? body.slots : [],
    modes: body && Array.isArray(body.modes) ? body.modes : [],
    fields: body && Array.isArray(body.fields) ? body.fields : [],
  }));
}

/**
 * Books a slot (201 Appointment). Errors: 409 SLOT_TAKEN /
 * TOO_MANY_APPOINTMENTS / MENTOR_FULL, 422 SLOT_INVALID / VALIDATION_FAILED.
 */
function book({
  mentorId, start, mode, topic,
}, options = {}) {
  return http.post('/api/v1/appointments', {
    mentor_id: Number(mentorId),
    start: String(start),
    mode: String(mode),
    topic: String(topic || '').trim(),
  }, options);
}

/** My appointments, the latest start first: { items }. */
function getMyAppointments(options = {}) {
  return http.get('/api/v1/me/appointments', undefined, options).then(itemsOf);
}

/** One appointment, for its booker or its mentor (`viewer`). */
function getAppointment(appointmentId, options = {}) {
  return http.get(`/api/v1/appointments/${id(appointmentId)}`, undefined, options);
}

/** The booker cancels (409 TOO_LATE_TO_CANCEL within 2 hours of the start). */
function cancelAppointment(appointmentId, options = {}) {
  return http.post(`/api/v1/appointments/${id(appointmentId)}/cancel`, undefined, options);
}

/** The booker rates an attended appointment once: 1–5 stars and a comment. */
function rateAppointment(appointmentId, stars, comment, options = {}) {
  const body = { stars: Number(stars) };
  const text = String(comment || '').trim();
  if (text) {
    body.comment = text;
  }
  return http.post(`/api/v1/appointments/${id(appointmentId)}/rate`, body, options);
}

// ---- the mentor's side ----------------------------------------------------------

/** The signed-in mentor's appointments, the earliest first, of one status when given. */
function getMentorAppointments(status, options = {}) {
  return http.get('/api/v1/mentor/appointments', status ? { status } : undefined, options).then(itemsOf);
}

/**
 * A mentor's action on an appointment: confirm, decline, attended ({ note }),
 * no-show, cancel ({ message }, required).
 */
function mentorAction(appointmentId, action, extra = {}, options = {}) {
  if (MENTOR_ACTIONS.indexOf(action) < 0) {
    return Promise.reject(new Error(`unknown mentor action ${action}`));
  }
  let body;
  if (action === 'attended') {
    const note = String(extra.note || '').trim();
    body = note ? { note } : {};
  } else if (action === 'cancel') {
    body = { message: String(extra.message || '').trim() };
  }
  return http.post(`/api/v1/mentor/appointments/${id(appointmentId)}/${action}`, body, options);
}

const confirmAppointment = (appointmentId, options) => mentorAction(appointmentId, 'confirm', {}, options);
const declineAppointment = (appointmentId, options) => mentorAction(appointmentId, 'decline', {}, options);
const markAttended = (appointmentId, note, options) => mentorAction(appointmentId, 'attended', { note }, options);
const markNoShow = (appointmentId, options) => mentorAction(appointmentId, 'no-show', {}, options);
const mentorCancel = (appointmentId, message, options) => mentorAction(appointmentId, 'cancel', { message }, options);

/** { weekly: [{ weekday 1–7, start "09:00", end "12:00" }], exceptions: [{ from, to, note }] } */
function getAvailability(options = {}) {
  return http.get('/api/v1/mentor/availability', undefined, options).then((body) => ({
    weekly: body && Array.isArray(body.weekly) ? body.weekly : [],
    exceptions: body && Array.isArray(body.exceptions) ? body.exceptions : [],
  }));
}

/** Replaces the availability: { availability, affected: [Appointment] }. */
function saveAvailability({ weekly, exceptions }, options = {}) {
  const body = {
    weekly: (weekly || []).map((w) => ({ weekday: Number(w.weekday), start: String(w.start), end: String(w.end) })),
    exceptions: (exceptions || []).map((x) => {
      const out = { from: String(x.from), to: String(x.to) };
      if (x.note) {
        out.note = String(x.note);
      }
      return out;
    }),
  };
  return http.put('/api/v1/mentor/availability', body, options).then((answer) => ({
    availability: (answer && answer.availability) || body,
    affected: answer && Array.isArray(answer.affected) ? answer.affected : [],
  }));
}

module.exports = {
  TOPIC_MAX,
  NOTE_MAX,
  CANCEL_MESSAGE_MAX,
  COMMENT_MAX,
  UPCOMING_MAX,
  MODES,
  MENTOR_ACTIONS,
  getMentors,
  getMentor,
  book,
  getMyAppointments,
  getAppointment,
  cancelAppointment,
  rateAppointment,
  getMentorAppointments,
  mentorAction,
  confirmAppointment,
  declineAppointment,
  markAttended,
  markNoShow,
  mentorCancel,
  getAvailability,
  saveAvailability,
};
