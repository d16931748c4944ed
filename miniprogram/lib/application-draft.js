/**
 * Application drafts kept on the phone, so a dropped network or a closed
 * app loses nothing that was typed or uploaded.
 *
 * A new application is kept under `application_draft_<policy>`; it holds
 * the Idempotency-Key made for the form and, once the server has the draft,
 * its `application_id`. Editing an application the server already had
 * (e.g. one returned for correction) uses `application_draft_app_<id>`.
 *
 * A bank account is never written to the phone in clear (issue 11, item
 * 11): write() keeps only its last 4 digits (`bank_account_tail`), in the
 * form and in the body of a create still waiting for its answer; the page
 * asks for the whole number again (restoreBankAccount()).
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

const digitsOf = (value) => String(value || '').replace(/\D/g, '');

/** '****1234' for an account ('' for none): what is kept of it on the phone. */
function maskAccount(value) {
  const digits = digitsOf(value);
  return digits ? `****${digits.slice(-4)}` : '';
}

/** The last 4 digits kept of an account ('' when none was typed). */
function tailOf(value) {
  return digitsOf(value).slice(-4);
}

/** The draft as it may be stored: the bank account reduced to its last 4 digits. */
function forStorage(draft) {
  const out = Object.assign({}, draft);
  if (out.form && typeof out.form === 'object') {
    const typed = out.form.bank_account;
    out.form = Object.assign({}, out.form, { bank_account: '' });
    const tail = tailOf(typed);
    out.bank_account_tail = tail || out.bank_account_tail || '';
  }
  if (out.pending_create && typeof out.pending_create === 'object'
    && Object.prototype.hasOwnProperty.call(out.pending_create, 'bank_account')) {
    // Same keys in the same order; only the value is masked.
    const body = Object.assign({}, out.pending_create);
    body.bank_account = maskAccount(body.bank_account);
    out.pending_create = body;
  }
  return out;
}

/**
 * The body of a create kept in a draft, completed with the account typed
 * again: the very same body when the last 4 digits match (the server then
 * answers the retry as the first try), null when they do not (a new request).
 */
function restoreBankAccount(pendingCreate, typed) {
  if (!pendingCreate || !Object.prototype.hasOwnProperty.call(pendingCreate, 'bank_account')) {
    return pendingCreate || null;
  }
  const kept = String(pendingCreate.bank_account || '');
  if (!/^\*+\d{0,4}$/.test(kept)) {
    return pendingCreate; // never masked (still in memory)
  }
  const digits = digitsOf(typed);
  if (!digits || tailOf(digits) !== kept.replace(/\*/g, '')) {
    return null;
  }
  const body = Object.assign({}, pendingCreate);
  body.bank_account = digits;
  return body;
}

function write(key, draft) {
  try {
    wx.setStorageSync(key, Object.assign(forStorage(draft), { saved_at: new Date().toISOString() }));
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
  forStorage,
  maskAccount,
  tailOf,
  restoreBankAccount,
  keyForPolicy,
  keyForApplication,
  read,
  write,
  remove,
  forPolicy,
  forApplication,
};
