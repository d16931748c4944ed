/**
 * Idempotency keys of redemptions, kept in storage (`redeem_pending`) per
 * perk from the tap until an answer arrives. A retry after a network failure
 * (or a closed app) resends the same key, so the server hands back the same
 * voucher instead of issuing a second one. A definite answer (201 or a 4xx)
 * forgets the key; the next tap makes a new one.
 */
const { uuid4 } = require('./uuid');

const STORAGE_KEY = 'redeem_pending';

function readAll() {
  try {
    const value = wx.getStorageSync(STORAGE_KEY);
    return value && typeof value === 'object' ? value : {};
  } catch (e) {
    return {};
  }
}

function writeAll(all) {
  try {
    if (Object.keys(all).length) {
      wx.setStorageSync(STORAGE_KEY, all);
    } else {
      wx.removeStorageSync(STORAGE_KEY);
    }
  } catch (e) {
    // Storage full: the key then lives only as long as the page.
  }
}

/** The redemption still waiting for an answer for a perk, or null. */
function pendingFor(perkId) {
  return readAll()[String(perkId)] || null;
}

/** Every redemption still waiting for an answer: [{perk_id, perk_name, key, created_at}]. */
function allPending() {
  const all = readAll();
  return Object.keys(all).map((k) => all[k]);
}

/** The key for a tap on a perk: the waiting one if any, else a new one (stored). */
function keyFor(perk) {
  const waiting = pendingFor(perk.id);
  if (waiting && waiting.key) {
    return waiting.key;
  }
  const entry = {
    perk_id: perk.id,
    perk_name: perk.name || '',
    key: uuid4(),
    created_at: new Date().toISOString(),
  };
  const all = readAll();
  all[String(perk.id)] = entry;
  writeAll(all);
  return entry.key;
}

/** The answer has arrived: forget the key. */
function settle(perkId) {
  const all = readAll();
  delete all[String(perkId)];
  writeAll(all);
}

module.exports = {
  STORAGE_KEY,
  pendingFor,
  allPending,
  keyFor,
  settle,
};
