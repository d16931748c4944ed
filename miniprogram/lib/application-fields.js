/**
 * The field handling of the application form (pages/apply), kept out of
 * the page: what typing into a field changes on screen, and when a field is
 * checked at once.
 *
 *   const change = typed(form, 'bank_name', e.detail.value);
 *   page.setData(change.update);          // value, counter, message
 *   if (change.check) page.checkField('bank_name');
 *
 * Text past the server's limit is refused (cut at the limit) with a message
 * that names the limit (lib/application-form.js limitTyped); the amount is
 * checked against the cap as it is typed, the credit code once it has all
 * 18 characters.
 */
const model = require('./application-form');
const { normalizeUscc } = require('./uscc');
const { charCount } = require('./validate');

/** setData paths for new field values: each value, its counter, its message cleared. */
function fieldUpdate(values, extra) {
  const update = Object.assign({}, extra);
  Object.keys(values).forEach((key) => {
    update[`form.${key}`] = values[key];
    update[`errors.${key}`] = '';
    if (Object.prototype.hasOwnProperty.call(model.LIMITS, key)) {
      update[`counts.${key}`] = charCount(values[key]);
    }
  });
  update.formHint = '';
  update.submitError = '';
  return update;
}

/**
 * What typing `raw` into `key` does: { value, update, check }. `update`
 * carries the refusal message when text past the limit was cut (the field
 * then shows the cut text), `check` says whether to check the field now.
 */
function typed(form, key, raw) {
  const { value, refused } = model.limitTyped(key, raw);
  const update = fieldUpdate({ [key]: value });
  if (refused) {
    update[`errors.${key}`] = refused;
  }
  let check = false;
  if (!refused) {
    if (key === 'amount_yuan') {
      check = String(value).trim() !== '';
    } else if (key === 'enterprise_uscc') {
      check = normalizeUscc(value).length >= 18;
    }
  }
  return { value, refused, update, check };
}

/** The index of a term in TERM_OPTIONS (-1 when none). */
function termIndex(term) {
  return model.TERM_OPTIONS.findIndex((t) => String(t.value) === String(term));
}

module.exports = { fieldUpdate, typed, termIndex };
