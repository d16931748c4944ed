/**
 * The in-app inbox (消息) and the WeChat subscribe-message consents.
 */
const http = require('./request');

/**
 * One page of messages, newest first:
 * { items: [{id, title, body, page, created_at, read_at}], unread, total? }.
 */
function getMessages(page = 1, options = {}) {
  return http.get('/api/v1/me/messages', { page }, options).then((body) => ({
    items: body && Array.isArray(body.items) ? body.items : [],
    unread: (body && Number(body.unread)) || 0,
    total: body && typeof body.total === 'number' ? body.total : null,
    page,
  }));
}

/** How many messages are unread (0 when it cannot be told). Silent. */
function getUnreadCount() {
  return getMessages(1, { silent: true }).then((body) => body.unread, () => 0);
}

/** Marks one message read (204). */
function markRead(id, options = {}) {
  return http.post(`/api/v1/me/messages/${encodeURIComponent(id)}/read`, null, options);
}

/**
 * Reports the templates the user accepted in wx.requestSubscribeMessage.
 * Resolves with { consents: { <template id>: remaining } }.
 */
function reportSubscriptions(accepted, options = {}) {
  return http.post('/api/v1/me/subscriptions', { accepted }, options);
}

module.exports = {
  getMessages,
  getUnreadCount,
  markRead,
  reportSubscriptions,
};
