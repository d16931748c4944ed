/**
 * WeChat subscribe messages (订阅消息): asking for the one-time consent and
 * reporting the accepted templates to the backend, which spends one consent
 * per notification it sends.
 *
 * wx.requestSubscribeMessage only works inside a user gesture (a tap, e.g.
 * the 提交 of the submit t-dialog), so askConsent() must be called straight
 * from a tap handler: it calls WeChat synchronously, before any await. The
 * caller goes on with its work whatever the answer (a refusal still submits).
 */
const messagesApi = require('../api/messages');
const settingsApi = require('../api/notify-settings');

const SEEN_KEY = 'application_seen';

// Statuses after which nothing more will be sent about an application.
const FINAL_STATUSES = ['disbursed', 'rejected', 'withdrawn'];

/**
 * Asks for the templates and resolves with the IDs the user accepted
 * (`res[id] === 'accept'`). Never rejects: a refusal or an old WeChat is [].
 */
function requestConsent(templateIds) {
  const ids = (templateIds || []).filter(Boolean);
  return new Promise((resolve) => {
    if (ids.length === 0 || typeof wx.requestSubscribeMessage !== 'function') {
      resolve([]);
      return;
    }
    try {
      wx.requestSubscribeMessage({
        tmplIds: ids,
        success: (res) => resolve(ids.filter((id) => res && res[id] === 'accept')),
        fail: () => resolve([]),
      });
    } catch (e) {
      resolve([]);
    }
  });
}

/**
 * requestConsent (one template ID or several) + POST /api/v1/me/subscriptions
 * with the accepted IDs only
 * (nothing is sent when none was accepted). Resolves with the accepted IDs;
 * a failed report is silent (the next prompt will try again).
 */
function askConsent(templateIds) {
  const ids = Array.isArray(templateIds) ? templateIds : [templateIds];
  return requestConsent(ids).then((accepted) => {
    if (accepted.length === 0) {
      return accepted;
    }
    return messagesApi.reportSubscriptions(accepted, { silent: true })
      .then(() => accepted, () => accepted);
  });
}

// ---- the notice template: reminders and replies ---------------------------

/**
 * Whether to ask for the NOTICE template (the one 消息推送 asks for, which
 * also carries appointment reminders and consultation messages): there is
 * one, the user has not switched pushes off in 消息推送, and WeChat does not
 * already hold a long-term consent. A one-time consent is spent by each
 * push, so it is asked again.
 */
function noticeAskable(settings) {
  return !!(settings && settings.notice_template_id && settings.pushes_enabled
    && settings.notice_consent !== 'long_term');
}

/**
 * The notice template ID to ask for, read quietly from the 消息推送
 * settings when a page opens (so that the tap can ask at once); '' when
 * not to ask, or when the settings cannot be read (then nothing is asked).
 */
function noticeTemplateToAsk() {
  return settingsApi.getNotificationSettings({ silent: true }).then(
    (settings) => (noticeAskable(settings) ? settings.notice_template_id : ''),
    () => '',
  );
}

// ---- application statuses the user has seen ------------------------------

function readSeen() {
  try {
    const value = wx.getStorageSync(SEEN_KEY);
    return value && typeof value === 'object' ? value : {};
  } catch (e) {
    return {};
  }
}

/** Remembers the status the user has now seen for an application. */
function markSeen(id, status) {
  if (id === undefined || id === null || !status) {
    return;
  }
  const seen = readSeen();
  seen[String(id)] = status;
  try {
    wx.setStorageSync(SEEN_KEY, seen);
  } catch (e) {
    // Storage full: at worst the consent prompt is not offered.
  }
}

/** Whether the status differs from the last one the user saw (unknown -> false). */
function statusChanged(id, status) {
  const before = readSeen()[String(id)];
  return !!before && !!status && before !== status;
}

/** Whether further notices can come for an application in this status. */
function expectsNews(status) {
  return !!status && status !== 'draft' && FINAL_STATUSES.indexOf(status) < 0;
}

module.exports = {
  SEEN_KEY,
  requestConsent,
  askConsent,
  noticeAskable,
  noticeTemplateToAsk,
  markSeen,
  statusChanged,
  expectsNews,
};
