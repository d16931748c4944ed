/**
 * Application drafts kept on the phone, so a dropped network or a closed
 * app loses nothing that was typed or uploaded.
 *
 * A new application is kept under `application_draft_<policy>`; it holds
 * the Idempotency-Key made for the form and, once the server has the draft,
 * its `application_id`. Editing an application the server already had
 * (e.g. one returned for correction) uses `application_draft_app_<id>`.
 */
const PREFIX = 'application_draft_';

function keyForPolicy(code) {
  return `${PREFIX}${code}`;
}

function keyForApplication(id) {
  return `${PREFIX}app_${id}`;
}

function read(key) {
  try {
    const value = wx.getStorageSync(key);
    return value && typeof value === 'object' ? value : null;
  } catch (e) {
    return null;
  }
}

function write(key, draft) {
  try {
    wx.setStorageSync(key, Object.assign({}, draft, { saved_at: new Date().toISOString() }));
  } catch (e) {
    // Storage full: what was typed is still on screen.
  }
}

function remove(key) {
  try {
    wx.removeStorageSync(key);
  } catch (e) {
    // ignore
  }
}

/** The draft of a new application for the policy, or null. */
function forPolicy(code) {
  return read(keyForPolicy(code));
}

/** { key, draft } holding the edits of application `id` (draft may be null). */
function forApplication(id, policyCode) {
  const byPolicy = policyCode ? read(keyForPolicy(policyCode)) : null;
  if (byPolicy && String(byPolicy.application_id) === String(id)) {
    return { key: keyForPolicy(policyCode), draft: byPolicy };
  }
  const key = keyForApplication(id);
  return { key, draft: read(key) };
}

module.exports = {
  PREFIX,
  keyForPolicy,
  keyForApplication,
  read,
  write,
  remove,
  forPolicy,
  forApplication,
};
