/**
 * Saving a draft while the user types, without writing storage on every
 * keystroke (cheap phones stall on a setStorageSync per character).
 *
 *   const saver = createDraftSaver({ save: (data) => storage.set('x_draft', data) });
 *   saver.schedule(form);   // on every change
 *   saver.flush();          // in onHide / onUnload: the last edit is written now
 *   saver.cancel();         // after a successful submit: nothing pending is written
 *
 * schedule() keeps only the latest data. `save` runs at most once per
 * `delay` ms: the first change after a quiet spell is saved at once, later
 * ones are gathered and the latest is saved when the `delay` has passed
 * since the previous save (the last edit is always saved). `now`,
 * `setTimeout` and `clearTimeout` can be replaced in tests.
 */
function createDraftSaver(options) {
  const opts = options || {};
  if (typeof opts.save !== 'function') {
    throw new TypeError('createDraftSaver needs a save(data) function');
  }
  const save = opts.save;
  const delay = opts.delay === undefined ? 500 : Math.max(0, Number(opts.delay) || 0);
  const now = opts.now || (() => Date.now());
  const setTimer = opts.setTimeout || ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = opts.clearTimeout || ((handle) => clearTimeout(handle));

  let pending = false;
  let latest;
  let timer = null;
  let lastSave = null; // time of the previous save, null before the first

  function stopTimer() {
    if (timer !== null) {
      clearTimer(timer);
      timer = null;
    }
  }

  function saveNow() {
    stopTimer();
    if (!pending) {
      return false;
    }
    const data = latest;
    pending = false;
    latest = undefined;
    lastSave = now();
    try {
      const result = save(data);
      if (result && typeof result.catch === 'function') {
        result.catch(() => {});
      }
    } catch (e) {
      // A full storage must not break typing: what was typed is on screen.
    }
    return true;
  }

  return {
    /** Keeps `data` as the draft to save; saves now or within `delay` ms. */
    schedule(data) {
      latest = data;
      pending = true;
      if (timer !== null) {
        return; // the pending save will take this latest data
      }
      const since = lastSave === null ? Infinity : now() - lastSave;
      if (since >= delay) {
        saveNow();
        return;
      }
      timer = setTimer(() => {
        timer = null;
        saveNow();
      }, delay - since);
    },
    /** Saves the pending draft at once (onHide/onUnload); true when something was saved. */
    flush() {
      return saveNow();
    },
    /** Drops the pending draft (after a submit, or when the form is reset). */
    cancel() {
      stopTimer();
      pending = false;
      latest = undefined;
    },
  };
}

module.exports = { createDraftSaver };
