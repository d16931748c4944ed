/**
 * What the mini program keeps on the phone, and which of it is personal.
 *
 * Every key is listed in KEYS (or matches one of PREFIXES) with `personal`
 * true or false. Signing out calls clearPersonal(): it removes every key
 * that is not known to be impersonal, so a key someone forgot to list is
 * removed too. Only shared caches (regions, option lists, schools) stay.
 *
 * ID numbers and bank accounts must never be stored in clear (issue 11,
 * item 11): the drafts' owners keep them out or obscured before set().
 */

const KEYS = {
  token: { personal: true, what: 'session token' },
  privacy_accepted: { personal: true, what: 'privacy-policy version this user accepted' },
  returnee_draft: { personal: true, what: '返乡登记 draft' },
  returnee_id_card: { personal: true, what: 'legacy: no longer written (drafts keep no ID number); cleared on sign-out' },
  survey_draft: { personal: true, what: '意愿调查 answers in progress' },
  alumnus_draft: { personal: true, what: '校友登记 draft' },
  alumnus_id_card: { personal: true, what: 'legacy: no longer written; cleared on sign-out' },
  application_seen: { personal: true, what: 'application statuses already seen' },
  redeem_pending: { personal: true, what: 'redemption Idempotency-Keys awaiting an answer' },
  cache_policies: { personal: true, what: 'policies with my eligibility' },
  cache_schools: { personal: false, what: 'school list' },
};

// Longest prefix wins; `cache_` alone covers regions and option lists.
const PREFIXES = {
  application_draft_: { personal: true, what: 'application drafts' },
  cache_: { personal: false, what: 'shared lists kept for weak networks' },
};

function entryFor(key) {
  if (Object.prototype.hasOwnProperty.call(KEYS, key)) {
    return KEYS[key];
  }
  const prefix = Object.keys(PREFIXES)
    .filter((p) => key.startsWith(p))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? PREFIXES[prefix] : null;
}

/** True unless the key is known to hold nothing personal. */
function isPersonal(key) {
  const entry = entryFor(String(key));
  return !entry || entry.personal !== false;
}

/** The stored value, or `fallback` when absent or unreadable. */
function get(key, fallback = '') {
  try {
    const value = wx.getStorageSync(key);
    return value === '' || value === undefined || value === null ? fallback : value;
  } catch (e) {
    return fallback;
  }
}

/** Stores a value; false when the phone refused (storage full). */
function set(key, value) {
  try {
    wx.setStorageSync(key, value);
    return true;
  } catch (e) {
    return false;
  }
}

function remove(key) {
  try {
    wx.removeStorageSync(key);
  } catch (e) {
    // Already gone or storage unavailable.
  }
}

function storedKeys() {
  try {
    const info = wx.getStorageInfoSync();
    return (info && info.keys) || [];
  } catch (e) {
    return [];
  }
}

/**
 * Removes everything personal (sign-out): every stored key that is not
 * known to be impersonal, plus the listed personal keys in case the phone
 * cannot list its keys. Returns the removed keys.
 */
function clearPersonal() {
  const keys = new Set(storedKeys().filter(isPersonal));
  Object.keys(KEYS).filter((k) => KEYS[k].personal).forEach((k) => keys.add(k));
  keys.forEach(remove);
  return Array.from(keys);
}

module.exports = {
  KEYS,
  PREFIXES,
  isPersonal,
  get,
  set,
  remove,
  clearPersonal,
};
