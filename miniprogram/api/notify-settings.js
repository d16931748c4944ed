/**
 * 消息推送 settings: whether policy notices are pushed to WeChat, and the
 * state of the user's subscribe-message consent for them.
 *
 * The server answers both calls with the same shape:
 * { pushes_enabled, notice_template_id ("" when none is configured),
 *   notice_consent: long_term | one_time | none, notice_remaining,
 *   quiet_hours: { from: "22:00", to: "08:00" }, weekly_cap }.
 * Both need a signed-in user (api/request.js keeps the session).
 */
const http = require('./request');

const SETTINGS_PATH = '/api/v1/me/notification-settings';

const CONSENTS = ['long_term', 'one_time', 'none'];

const HHMM = /^\d{2}:\d{2}$/;

/** The answer with every field of the expected type (missing ones safe). */
function normalize(body) {
  const b = body && typeof body === 'object' ? body : {};
  const quiet = b.quiet_hours && typeof b.quiet_hours === 'object' ? b.quiet_hours : {};
  const remaining = Number(b.notice_remaining);
  const cap = Number(b.weekly_cap);
  return {
    pushes_enabled: b.pushes_enabled === true,
    notice_template_id: typeof b.notice_template_id === 'string' ? b.notice_template_id : '',
    notice_consent: CONSENTS.indexOf(b.notice_consent) >= 0 ? b.notice_consent : 'none',
    notice_remaining: Number.isFinite(remaining) && remaining > 0 ? Math.floor(remaining) : 0,
    quiet_hours: {
      from: HHMM.test(quiet.from) ? quiet.from : '',
      to: HHMM.test(quiet.to) ? quiet.to : '',
    },
    weekly_cap: Number.isFinite(cap) && cap > 0 ? Math.floor(cap) : 0,
  };
}

/** GET the settings (normalized). */
function getNotificationSettings(options = {}) {
  return http.get(SETTINGS_PATH, undefined, options).then(normalize);
}

/** Turns pushing of policy notices on or off; resolves with the new settings (normalized). */
function setPushesEnabled(enabled, options = {}) {
  return http.put(SETTINGS_PATH, { pushes_enabled: !!enabled }, options).then(normalize);
}

module.exports = {
  getNotificationSettings,
  setPushesEnabled,
};
