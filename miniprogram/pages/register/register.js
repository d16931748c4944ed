/**
 * 返乡登记: the 4-step registration form, also used to edit an existing
 * record. Everything typed is kept in storage (`returnee_draft`) on every
 * change, so a dropped network or a closed app loses nothing.
 */
const returneeApi = require('../../api/returnee');
const auth = require('../../api/auth');
const http = require('../../api/request');
const model = require('../../lib/returnee-form');
const { normalizeIdCard, isValidIdCard, matchesMasked, parseIdCard } = require('../../lib/idcard');
const { todayBeijing, formatDate } = require('../../lib/datetime');
const { phoneCodeOf } = require('../../lib/phone');

const DRAFT_KEY = 'returnee_draft';
// The full ID number typed at registration: the server only ever returns it
// masked, yet every update must send it again.
const ID_KEY = 'returnee_id_card';

const TEXT = {
  LOAD_FAILED: '加载失败，请检查网络后重试',
  FIX_ERRORS: '请先改正标红的内容',
  PHONE_NEEDED: '提交前请先绑定手机号，方便工作人员联系您',
  PHONE_BOUND: '绑定成功，请再点“提交”',
  NETWORK: '网络不给力，没有提交成功。您填的内容已保存在手机上，请稍后再点“提交”',
  VILLAGES_FAILED: '村（社区）列表没加载出来，点这里重试',
};

// Error codes that concern a field even when the server names none.
const CODE_FIELDS = {
  ID_CARD_INVALID: 'id_card',
  ID_CARD_MISMATCH: 'id_card',
  PERSON_ALREADY_REGISTERED: 'id_card',
  USCC_INVALID: 'uscc',
  REGION_UNKNOWN: 'village_code',
};

const CHIP_FIELDS = { skills: 'skill', intended_fields: 'intended_field', needs: 'need' };
const PICK_FIELDS = { education: 'education', business_type: 'business_type' };
const DATE_FIELDS = ['left_on', 'returned_on', 'plan_return_on', 'business_started_on'];

function readStorage(key) {
  try {
    return wx.getStorageSync(key) || null;
  } catch (e) {
    return null;
  }
}

function writeStorage(key, value) {
  try {
    wx.setStorageSync(key, value);
  } catch (e) {
    // Storage full: nothing more we can do here.
  }
}

function removeStorage(key) {
  try {
    wx.removeStorageSync(key);
  } catch (e) {
    // ignore
  }
}

function selectedMaps(form) {
  const out = {};
  Object.keys(CHIP_FIELDS).forEach((key) => {
    out[key] = {};
    (form[key] || []).forEach((code) => {
      out[key][code] = true;
    });
  });
  return out;
}

function dateTexts(form) {
  const out = {};
  DATE_FIELDS.forEach((key) => {
    out[key] = formatDate(form[key]);
  });
  return out;
}

function labelOf(list, code) {
  const hit = (list || []).find((item) => item.code === code);
  return hit ? (hit.label || hit.name || '') : '';
}

function indexOf(list, code) {
  return (list || []).findIndex((item) => item.code === code);
}

function idInfoText(id) {
  const info = parseIdCard(id);
  if (!info) {
    return '';
  }
  return `出生日期 ${formatDate(info.birthDate)}，性别 ${info.gender === 'M' ? '男' : '女'}`;
}

Page({
  data: {
    // loading | error | ready | done
    status: 'loading',
    loadError: '',
    steps: model.STEPS,
    step: 0,
    mode: 'new',
    form: model.emptyForm(),
    errors: {},
    counts: model.counts(model.emptyForm()),
    limits: model.LIMITS,
    selected: selectedMaps(model.emptyForm()),
    dates: dateTexts(model.emptyForm()),
    today: '',
    statusOptions: model.STATUS_OPTIONS,
    intentionOptions: model.INTENTION_OPTIONS,
    options: { skill: [], intended_field: [], need: [], education: [], business_type: [] },
    labels: { education: '', business_type: '', township: '', village: '' },
    townships: [],
    townshipIndex: -1,
    villages: [],
    villageIndex: -1,
    villagesLoading: false,
    villagesError: '',
    // Editing: the registered ID as the server shows it (masked).
    maskedIdCard: '',
    // The full ID is known on this phone and matches the record: show it masked, read-only.
    idLocked: false,
    idInfo: '',
    phoneBound: true,
    binding: false,
    draftRestored: false,
    stepHint: '',
    submitting: false,
    submitError: '',
    contentPending: false,
  },

  onLoad(query) {
    this.query = query || {};
    this.setData({ today: todayBeijing() });
    this.load();
  },

  load() {
    this.setData({ status: 'loading', loadError: '' });
    const me = auth.getMe({ silent: true }).catch(() => null);
    return Promise.all([
      returneeApi.getOptions(),
      returneeApi.getRegions(''),
      returneeApi.getMyReturnee(),
      me,
    ]).then(
      ([options, townships, record, user]) => this.start(options, townships, record, user),
      (err) => {
        this.setData({ status: 'error', loadError: (err && err.message) || TEXT.LOAD_FAILED });
      },
    );
  },

  onRetry() {
    return this.load();
  },

  /** Puts together the form from the record and/or the saved draft. */
  start(options, townships, record, user) {
    const draft = readStorage(DRAFT_KEY);
    const hasDraft = !!(draft && draft.form);
    let form = hasDraft ? model.normalizeForm(draft.form) : model.emptyForm();
    if (!hasDraft && record) {
      form = model.formFromRecord(record);
    }
    let step = hasDraft ? Number(draft.step) || 0 : 0;
    if (step < 0 || step >= model.STEPS.length) {
      step = 0;
    }

    if (form.township_code && townships.length && indexOf(townships, form.township_code) < 0) {
      // The township is no longer offered: ask again rather than send a stale code.
      form.township_code = '';
      form.village_code = '';
    }

    const maskedIdCard = record ? String(record.id_card || '') : '';
    let idLocked = false;
    if (maskedIdCard) {
      const known = [form.id_card, readStorage(ID_KEY)]
        .map(normalizeIdCard)
        .find((id) => isValidIdCard(id) && matchesMasked(id, maskedIdCard));
      if (known) {
        form.id_card = known;
        idLocked = true;
      }
    }

    this.setData({
      status: 'ready',
      mode: record ? 'edit' : 'new',
      options,
      townships,
      maskedIdCard,
      idLocked,
      step,
      draftRestored: hasDraft,
      phoneBound: !user || !!user.phone,
      errors: {},
      submitError: '',
    });
    this.applyForm(form);
    if (form.township_code) {
      this.loadVillages(form.township_code);
    }
    if (hasDraft) {
      this.saveDraft();
    }
  },

  /** Sets the whole form and everything derived from it. */
  applyForm(form) {
    const { options, townships } = this.data;
    this.setData({
      form,
      counts: model.counts(form),
      selected: selectedMaps(form),
      dates: dateTexts(form),
      townshipIndex: indexOf(townships, form.township_code),
      'labels.township': labelOf(townships, form.township_code),
      'labels.education': labelOf(options.education, form.education),
      'labels.business_type': labelOf(options.business_type, form.business_type),
      idInfo: idInfoText(form.id_card),
    });
  },

  saveDraft() {
    writeStorage(DRAFT_KEY, {
      form: this.data.form,
      step: this.data.step,
      saved_at: new Date().toISOString(),
    });
  },

  /** Changes form fields, clears their errors and saves the draft. */
  setFields(values, extra) {
    const update = Object.assign({}, extra);
    Object.keys(values).forEach((key) => {
      update[`form.${key}`] = values[key];
      update[`errors.${key}`] = '';
      if (Object.prototype.hasOwnProperty.call(model.LIMITS, key)) {
        update[`counts.${key}`] = Array.from(String(values[key] || '')).length;
      }
    });
    update.stepHint = '';
    update.submitError = '';
    this.setData(update);
    this.saveDraft();
  },

  // ---- field handlers -------------------------------------------------

  onInput(e) {
    const key = e.currentTarget.dataset.field;
    const value = e.detail.value;
    if (key === 'id_card') {
      this.onIdCardInput(value);
      return;
    }
    this.setFields({ [key]: value });
  },

  onIdCardInput(value) {
    this.setFields({ id_card: value }, { idInfo: idInfoText(value) });
    // Check as soon as all 18 characters are there, not only on "下一步".
    if (normalizeIdCard(value).length === 18) {
      const errors = model.validateStep(0, this.data.form, this.ctx());
      if (errors.id_card) {
        this.setData({ 'errors.id_card': errors.id_card });
      }
    }
  },

  onChoose(e) {
    const { field, code } = e.currentTarget.dataset;
    this.setFields({ [field]: code });
  },

  onToggleChip(e) {
    const { field, code } = e.currentTarget.dataset;
    const current = this.data.form[field] || [];
    const next = current.indexOf(code) >= 0
      ? current.filter((c) => c !== code)
      : current.concat(code);
    this.setFields({ [field]: next }, { [`selected.${field}`]: selectedMaps({ [field]: next })[field] });
  },

  onPickDate(e) {
    const key = e.currentTarget.dataset.field;
    const value = e.detail.value;
    this.setFields({ [key]: value }, { [`dates.${key}`]: formatDate(value) });
  },

  onPickOption(e) {
    const key = e.currentTarget.dataset.field;
    const list = this.data.options[PICK_FIELDS[key]] || [];
    const item = list[Number(e.detail.value)];
    if (!item) {
      return;
    }
    this.setFields({ [key]: item.code }, { [`labels.${key}`]: item.label });
  },

  onPickTownship(e) {
    const item = this.data.townships[Number(e.detail.value)];
    if (!item || item.code === this.data.form.township_code) {
      return;
    }
    this.setFields({ township_code: item.code, village_code: '' }, {
      townshipIndex: Number(e.detail.value),
      'labels.township': item.name,
      'labels.village': '',
      villages: [],
      villageIndex: -1,
    });
    this.loadVillages(item.code);
  },

  onPickVillage(e) {
    const item = this.data.villages[Number(e.detail.value)];
    if (!item) {
      return;
    }
    this.setFields({ village_code: item.code }, {
      villageIndex: Number(e.detail.value),
      'labels.village': item.name,
    });
  },

  loadVillages(townshipCode) {
    this.setData({ villagesLoading: true, villagesError: '' });
    return returneeApi.getRegions(townshipCode).then(
      (villages) => {
        if (this.data.form.township_code !== townshipCode) {
          return; // The user picked another township meanwhile.
        }
        const code = this.data.form.village_code;
        this.setData({
          villages,
          villagesLoading: false,
          villageIndex: indexOf(villages, code),
          'labels.village': labelOf(villages, code),
        });
        if (code && villages.length && indexOf(villages, code) < 0) {
          // The village is no longer offered: ask again rather than send a stale code.
          this.setFields({ village_code: '' });
        }
      },
      () => {
        if (this.data.form.township_code !== townshipCode) {
          return;
        }
        this.setData({ villagesLoading: false, villagesError: TEXT.VILLAGES_FAILED });
      },
    );
  },

  onRetryVillages() {
    return this.loadVillages(this.data.form.township_code);
  },

  /** Re-enter the ID number (edit mode when this phone does not know it). */
  onRetypeIdCard() {
    this.setFields({ id_card: '' }, { idLocked: false, idInfo: '' });
  },

  // ---- steps ----------------------------------------------------------

  ctx() {
    return { today: this.data.today, maskedIdCard: this.data.maskedIdCard };
  },

  showErrors(step, errors, hint) {
    this.setData({ step, errors, stepHint: hint || TEXT.FIX_ERRORS });
    this.saveDraft();
    const first = model.STEP_FIELDS[step].find((key) => errors[key]);
    this.scrollTo(first ? `#field-${first}` : null);
  },

  /** Scrolls to a field (or the top) once the new step has been drawn. */
  scrollTo(selector) {
    const opts = selector ? { selector, duration: 200 } : { scrollTop: 0, duration: 200 };
    setTimeout(() => {
      try {
        if (typeof wx.pageScrollTo === 'function') {
          wx.pageScrollTo(opts);
        }
      } catch (e) {
        // Scrolling is a convenience only.
      }
    }, 50);
  },

  goToStep(step) {
    this.setData({ step, stepHint: '', submitError: '' });
    this.saveDraft();
    this.scrollTo(null);
  },

  onNext() {
    const { step } = this.data;
    const errors = model.validateStep(step, this.data.form, this.ctx());
    if (Object.keys(errors).length > 0) {
      this.showErrors(step, errors);
      return;
    }
    this.setData({ errors: {} });
    this.goToStep(Math.min(step + 1, model.STEPS.length - 1));
  },

  onPrev() {
    this.goToStep(Math.max(this.data.step - 1, 0));
  },

  /** Tapping a step of the indicator: back is always allowed, forward never skips checks. */
  onStepTap(e) {
    const target = Number(e.currentTarget.dataset.step);
    if (target < this.data.step) {
      this.goToStep(target);
    }
  },

  onDiscardDraft() {
    const editing = this.data.mode === 'edit';
    wx.showModal({
      title: editing ? '放弃修改' : '清空重填',
      content: editing ? '放弃还没提交的修改，恢复为已登记的内容？' : '清空已填写的内容，重新填写？',
      confirmText: '确定',
      cancelText: '取消',
      success: (res) => {
        if (res && res.confirm) {
          removeStorage(DRAFT_KEY);
          this.load();
        }
      },
    });
  },

  // ---- phone ----------------------------------------------------------

  onGetPhoneNumber(e) {
    const result = phoneCodeOf(e);
    if (result.error) {
      wx.showToast({ title: result.error, icon: 'none' });
      return Promise.resolve();
    }
    if (this.data.binding) {
      return Promise.resolve();
    }
    this.setData({ binding: true });
    return auth.bindPhone(result.code).then(
      () => {
        this.setData({ binding: false, phoneBound: true, submitError: '' });
        wx.showToast({ title: TEXT.PHONE_BOUND, icon: 'none' });
      },
      () => {
        this.setData({ binding: false });
      },
    );
  },

  // ---- submit ---------------------------------------------------------

  onSubmit() {
    if (this.data.submitting) {
      return Promise.resolve();
    }
    const invalid = model.firstInvalidStep(this.data.form, this.ctx());
    if (invalid) {
      this.showErrors(invalid.step, invalid.errors);
      return Promise.resolve();
    }
    if (!this.data.phoneBound) {
      this.setData({ submitError: TEXT.PHONE_NEEDED });
      this.scrollTo('#phone-prompt');
      return Promise.resolve();
    }

    const payload = model.toPayload(this.data.form);
    this.setData({ submitting: true, submitError: '', stepHint: '' });
    return returneeApi.saveMyReturnee(payload, { silent: true }).then(
      (record) => {
        removeStorage(DRAFT_KEY);
        writeStorage(ID_KEY, payload.id_card);
        this.setData({
          submitting: false,
          status: 'done',
          contentPending: !!(record && record.content_review && record.content_review !== 'ok'),
        });
        this.scrollTo(null);
      },
      (err) => {
        this.setData({ submitting: false });
        this.handleSubmitError(err);
      },
    );
  },

  handleSubmitError(err) {
    if (http.isNetworkError(err)) {
      this.setData({ submitError: TEXT.NETWORK });
      return;
    }
    if (err.code === 'PHONE_NOT_BOUND') {
      this.setData({ phoneBound: false, submitError: err.message || TEXT.PHONE_NEEDED });
      this.scrollTo('#phone-prompt');
      return;
    }
    const key = model.formKeyOfServerField(err.field) || CODE_FIELDS[err.code] || '';
    const step = model.stepOfField(key);
    if (step < 0) {
      this.setData({ submitError: err.message });
      return;
    }
    if (err.code === 'ID_CARD_MISMATCH') {
      // The ID kept on this phone is not the registered one: let the user type it.
      removeStorage(ID_KEY);
      this.setData({ idLocked: false });
    }
    if (err.code === 'REGION_UNKNOWN') {
      // The region list changed since it was loaded.
      returneeApi.getRegions('').then((townships) => this.setData({ townships }), () => {});
    }
    this.showErrors(step, { [key]: err.message }, err.message);
  },

  // ---- done -----------------------------------------------------------

  onViewRecord() {
    if (this.query && this.query.from === 'record') {
      wx.navigateBack({ delta: 1 });
      return;
    }
    wx.redirectTo({ url: '/pages/record/record' });
  },
});
