/**
 * The field handlers every form page had its own copy of (返乡登记, 校友登记,
 * 意愿调查, 申请): typing, choosing, picking from a list, checking a field
 * when the user leaves it. A Behavior:
 *
 *   const { formFieldsBehavior } = require('../../lib/form-fields');
 *   Page({
 *     behaviors: [formFieldsBehavior],
 *     data: { form: {...}, errors: {}, counts: {}, limits: { name: 32 }, labels: {} },
 *     checkField(key, form) { return model.validate(form)[key] || ''; },  // optional: blur checks
 *     formChanged(keys) { this.saver.schedule(this.data.form); },          // optional: drafts
 *   });
 *
 *   <t-input data-field="name" value="{{form.name}}" bind:change="onFieldChange" bind:blur="onFieldBlur" />
 *   <t-radio-group data-field="status" value="{{form.status}}" bind:change="onFieldChange">…</t-radio-group>
 *   <t-checkbox-group data-field="skills" value="{{form.skills}}" bind:change="onFieldChange">…</t-checkbox-group>
 *   <t-switch data-field="consent" value="{{form.consent}}" bind:change="onFieldChange" />
 *   <t-date-time-picker data-field="left_on" format="YYYY-MM-DD" bind:confirm="onFieldChange" …/>
 *   <t-cell data-field="education" bind:click="onOpenPicker" note="{{labels.education || '请选择'}}" />
 *   <t-picker data-field="education" visible="{{picking === 'education'}}"
 *     bind:confirm="onFieldPick" bind:cancel="onPickerClose" bind:close="onPickerClose">
 *     <t-picker-item options="{{pickerOptions.education}}" /></t-picker>
 *
 * Every change sets `form.<key>`, clears `errors.<key>`, `hint` and
 * `submitError`, updates `counts.<key>` for a field with a limit, then
 * calls the page's `formChanged([keys])`. `picking` names the field whose
 * picker is open ('' when none). A page may take a change over:
 * `beforeFieldChange(key, value)` / `beforeFieldPick(key, code, label)`
 * returning true means "handled here" (e.g. a township that reloads the
 * villages).
 */
const { charCount } = require('./validate');

/** The form key a component's event is about (its data-field). */
function fieldOf(e) {
  const target = (e && (e.currentTarget || e.target)) || {};
  return (target.dataset && target.dataset.field) || '';
}

/** What a component reports: `detail.value` (t-input, t-radio-group, t-switch…) or the detail itself. */
function valueOf(e) {
  const detail = e ? e.detail : undefined;
  if (detail && typeof detail === 'object' && !Array.isArray(detail) && 'value' in detail) {
    return detail.value;
  }
  return detail;
}

/** A list of { code, label|name } as t-picker-item options ({ label, value }). */
function pickerOptions(list) {
  return (list || []).map((item) => ({ label: String(item.label || item.name || item.code), value: item.code }));
}

/** The label of a code in a { code, label|name } list ('' when absent). */
function labelOf(list, code) {
  const hit = (list || []).find((item) => item.code === code);
  return hit ? String(hit.label || hit.name || '') : '';
}

/** The setData payload for changed values (see the header). */
function fieldsUpdate(values, limits, extra) {
  const update = Object.assign({ hint: '', submitError: '' }, extra);
  Object.keys(values).forEach((key) => {
    update[`form.${key}`] = values[key];
    update[`errors.${key}`] = '';
    if (limits && Object.prototype.hasOwnProperty.call(limits, key)) {
      update[`counts.${key}`] = charCount(values[key]);
    }
  });
  return update;
}

const formFieldsBehavior = Behavior({
  data: {
    picking: '',
  },
  methods: {
    /** Changes form fields (and any `extra` data), clears their errors, tells formChanged. */
    setFields(values, extra) {
      this.setData(fieldsUpdate(values, this.data.limits, extra));
      if (typeof this.formChanged === 'function') {
        this.formChanged(Object.keys(values));
      }
    },

    /** t-input / t-textarea / t-radio-group / t-checkbox-group / t-switch / date picker. */
    onFieldChange(e) {
      const key = fieldOf(e);
      if (!key) {
        return;
      }
      let value = valueOf(e);
      if (value === null || value === undefined) {
        value = '';
      }
      if (typeof this.beforeFieldChange === 'function') {
        const handled = this.beforeFieldChange(key, value);
        if (handled) {
          return;
        }
      }
      this.setFields({ [key]: value }, { picking: '' });
    },

    /** Checks one field when the user leaves it (the page's checkField gives the message). */
    onFieldBlur(e) {
      const key = fieldOf(e);
      if (!key || typeof this.checkField !== 'function') {
        return;
      }
      const message = this.checkField(key, this.data.form) || '';
      if (message !== (this.data.errors || {})[key]) {
        this.setData({ [`errors.${key}`]: message });
      }
    },

    /** Opens the picker of the tapped field. */
    onOpenPicker(e) {
      this.setData({ picking: fieldOf(e) });
    },

    onPickerClose() {
      if (this.data.picking) {
        this.setData({ picking: '' });
      }
    },

    /** t-picker confirm: { value: [code], label: [label] } → form.<key> and labels.<key>. */
    onFieldPick(e) {
      const key = fieldOf(e);
      const detail = (e && e.detail) || {};
      const code = Array.isArray(detail.value) ? detail.value[0] : detail.value;
      const label = Array.isArray(detail.label) ? detail.label[0] : detail.label;
      if (!key || code === undefined || code === null) {
        this.onPickerClose();
        return;
      }
      if (typeof this.beforeFieldPick === 'function' && this.beforeFieldPick(key, code, label)) {
        this.onPickerClose();
        return;
      }
      this.setFields({ [key]: code }, { picking: '', [`labels.${key}`]: label || '' });
    },
  },
});

// Behavior() may return an id rather than an object: the helpers sit beside it.
module.exports = {
  formFieldsBehavior,
  fieldOf,
  valueOf,
  pickerOptions,
  labelOf,
  fieldsUpdate,
};
