/**
 * Contribution points (校友贡献积分): balance and history, the perks
 * catalogue, redemption, vouchers and event check-in.
 *
 * Redemption carries an `Idempotency-Key`: the caller makes one per tap and
 * keeps it (lib/redeem-keys.js) until an answer arrives, so a retry after a
 * lost answer gets the same voucher back instead of a second one.
 */
const http = require('./request');

const id = (value) => encodeURIComponent(String(value));

/** { balance, expiring: [{points, expires_at}], expiring_total }. */
function getMyPoints(options = {}) {
  return http.get('/api/v1/me/points', undefined, options).then((body) => ({
    balance: Number((body && body.balance) || 0),
    expiring: body && Array.isArray(body.expiring) ? body.expiring : [],
    expiring_total: Number((body && body.expiring_total) || 0),
  }));
}

/** A page of ledger entries, newest first: { items, page, page_size, total }. */
function getPointEntries(page, options = {}) {
  return http.get('/api/v1/me/points/entries', { page: page || 1 }, options).then((body) => ({
    items: body && Array.isArray(body.items) ? body.items : [],
    page: Number((body && body.page) || page || 1),
    page_size: Number((body && body.page_size) || 20),
    total: Number((body && body.total) || 0),
  }));
}

/** The perks that can be redeemed now. */
function getPerks(options = {}) {
  return http.get('/api/v1/perks', undefined, options)
    .then((body) => (body && Array.isArray(body.items) ? body.items : []));
}

/** Redeems a perk; resolves with the voucher (201, or the replayed one). */
function redeemPerk(perkId, idempotencyKey, options = {}) {
  return http.post(`/api/v1/perks/${id(perkId)}/redeem`, null, Object.assign({}, options, {
    header: Object.assign({}, options.header, { 'Idempotency-Key': idempotencyKey }),
  }));
}

/** My vouchers, newest first. */
function getMyVouchers(options = {}) {
  return http.get('/api/v1/me/vouchers', undefined, options)
    .then((body) => (body && Array.isArray(body.items) ? body.items : []));
}

/** Cancels an unused voucher; resolves with it (status cancelled). */
function cancelVoucher(voucherId, options = {}) {
  return http.post(`/api/v1/me/vouchers/${id(voucherId)}/cancel`, null, options);
}

/** Checks in at an event: { event_id, title, checked_in_at, points }. */
function checkIn(eventId, token, options = {}) {
  return http.post(`/api/v1/events/${id(eventId)}/checkin`, { token }, options);
}

module.exports = {
  getMyPoints,
  getPointEntries,
  getPerks,
  redeemPerk,
  getMyVouchers,
  cancelVoucher,
  checkIn,
};
