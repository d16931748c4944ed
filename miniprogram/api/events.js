/**
 * Events for users (活动): the upcoming events with my sign-up and check-in
 * state, sign-up and cancelling it. Check-in itself is api/points.js
 * checkIn (POST /api/v1/events/{id}/checkin).
 *
 * An event: { id, title, kind (policy_talk, training, salon, roadshow,
 * contest, camp, homecoming, alumni), kind_name (政策宣讲 …),
 * training_minutes (credited to each attendee who checks in; 0: not
 * training), starts_at, ends_at, checkin_opens_at,
 * checkin_closes_at, points, capacity (null: no limit), signups,
 * places_left (null: no limit), signed_up, checked_in, checked_in_at,
 * signup_open, checkin_open }.
 */
const http = require('./request');

const id = (value) => encodeURIComponent(String(value));

/** The upcoming events, soonest first. */
function getEvents(options = {}) {
  return http.get('/api/v1/events', undefined, options)
    .then((body) => (body && Array.isArray(body.items) ? body.items : []));
}

/** Signs up (200 also when signed up already); resolves with the event. 409 EVENT_FULL / SIGNUP_CLOSED. */
function signUp(eventId, options = {}) {
  return http.post(`/api/v1/events/${id(eventId)}/signup`, null, options);
}

/** Cancels my sign-up (200 also without one); resolves with the event. */
function cancelSignup(eventId, options = {}) {
  return http.post(`/api/v1/events/${id(eventId)}/cancel-signup`, null, options);
}

module.exports = {
  getEvents,
  signUp,
  cancelSignup,
};
