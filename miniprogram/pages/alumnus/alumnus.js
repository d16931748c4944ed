/**
 * 校友登记: the alumni registration form, also used to edit the record.
 * Everything typed is kept in storage (`alumnus_draft`) on every change and
 * restored when the page opens; the draft goes after a successful submit.
 */
const alumniApi = require('../../api/alumni');
const auth = require('../../api/auth');
const http = require('../../api/request');
const model = require('../../lib/alumnus-form');
const { normalizeIdCard, isValidIdCard, matchesMasked } = require('../../lib/idcard');
const { todayBeijing } = require('../../lib/datetime');
const { phoneCodeOf } = require('../../lib/phone');

const DRAFT_KEY = 'alumnus_draft';
// The full ID number typed here; the server only returns it masked. The one
// typed at 返乡登记 is the same person's and is used too.
const ID_KEY = 'alumnus_id_card';
const RETURNEE_ID_KEY = 'returnee_id_card';

const TEXT = {
  LOAD_FAILED: '加载失败，请检查网络后重试',
  FIX_ERRORS: '请先改正标红的内容',
  PHONE_NEEDED: '提交前请先绑定手机号，方便工作人员联系您',
  PHONE_BOUND: '绑定成功，请再点“提交”',
  NETWORK: '网络不给力，没有提交成功。您填的内容已保存在手机上，请稍后再点“提交”',
  NO_SCHOOLS: '学校名单还没加载出来，请稍后重试',
};

// Error codes that concern a field even when the server names none.
const CODE_FIELDS = {
  ID_CARD_INVALID: 'id_card',
  ID_CARD_MISMATCH: 'id_card',
  PERSON_ALREADY_REGISTERED: 'id_card',
  SCHOOL_UNKNOWN: 'school_code',
};

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

function offerMap(offers) {
  const out = {};
  (offers || []).forEach((code) => {
    out[code] = true;
  });
  return out;
}

Page({
  data: {
    // loading | error | ready | done
    status: 'loading',
    loadError: '',
    mode: 'new',
    form: model.emptyForm(),
    errors: {},
    counts: model.counts(model.emptyForm()),
    limits: model.LIMITS,
    offerOptions: model.OFFER_OPTIONS,
    selectedOffers: {},
    schools: [],
    schoolIndex: -1,
    schoolName: '',
    years: [],
    entryIndex: -1,
    gradIndex: -1,
    record: null,
    banner: null,
    maskedIdCard: '',
    idLocked: false,
    phoneBound: true,
    binding: false,
    draftRestored: false,
    hint: '',
    submitting: false,
    submitError: '',
  },

  onLoad() {
    const year = Number(todayBeijing().slice(0, 4));
    this.currentYear = year;
    this.setData({ years: model.yearRange(year) });
    this.load();
  },

  load() {
    this.setData({ status: 'loading', loadError: '' });
    const me = auth.getMe({ silent: true }).catch(() => null);
    return Promise.all([alumniApi.getSchools(), alumniApi.getMyAlumnus(), me]).then(
      ([schools, record, user]) => this.start(schools, record, user),
      (err) => {
        this.setData({ status: 'error', loadError: (err && err.message) || TEXT.LOAD_FAILED });
      },
    );
  },

  onRetry() {
    return this.load();
  },

  start(schools, record, user) {
    const draft = readStorage(DRAFT_KEY);
    const hasDraft = !!(draft && draft.form);
    let form = hasDraft ? model.normalizeForm(draft.form) : model.emptyForm();
    if (!hasDraft && record) {
      form = model.formFromRecord(record);
    }
    const maskedIdCard = record ? String(record.id_card || '') : '';
    const known = [form.id_card, readStorage(ID_KEY), readStorage(RETURNEE_ID_KEY)]
      .map(normalizeIdCard)
      .find((id) => isValidIdCard(id) && (!maskedIdCard || matchesMasked(id, maskedIdCard)));
    let idLocked = false;
    if (known) {
      form.id_card = known;
      idLocked = !!maskedIdCard;
    }
    this.setData({
      status: 'ready',
      mode: record ? 'edit' : 'new',
      schools,
      record,
      banner: model.statusOf(record),
      maskedIdCard,
      idLocked,
      draftRestored: hasDraft,
      phoneBound: !user || !!user.phone,
      errors: {},
      hint: '',
      submitError: '',
    });
    this.applyForm(form);
    if (hasDraft) {
      this.saveDraft();
    }
  },

  applyForm(form) {
    const { schools, years } = this.data;
    const schoolIndex = schools.findIndex((s) => s.code === form.school_code);
    this.setData({
      form,
      counts: model.counts(form),
      selectedOffers: offerMap(form.offers),
      schoolIndex,
      schoolName: schoolIndex >= 0 ? schools[schoolIndex].name : '',
      entryIndex: years.indexOf(form.entry_year),
      gradIndex: years.indexOf(form.graduation_year),
    });
  },

  saveDraft() {
    writeStorage(DRAFT_KEY, { form: this.data.form, saved_at: new Date().toISOString() });
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
    update.hint = '';
    update.submitError = '';
    this.setData(update);
    this.saveDraft();
  },

  // ---- field handlers -------------------------------------------------

  onInput(e) {
    const key = e.currentTarget.dataset.field;
    this.setFields({ [key]: e.detail.value });
    if (key === 'id_card' && normalizeIdCard(e.detail.value).length === 18) {
      const errors = model.validate(this.data.form, this.ctx());
      if (errors.id_card) {
        this.setData({ 'errors.id_card': errors.id_card });
      }
    }
  },

  onPickSchool(e) {
    const index = Number(e.detail.value);
    const school = this.data.schools[index];
    if (!school) {
      return;
    }
    this.setFields({ school_code: school.code }, { schoolIndex: index, schoolName: school.name });
  },

  onPickYear(e) {
    const key = e.currentTarget.dataset.field;
    const index = Number(e.detail.value);
    const year = this.data.years[index];
    if (!year) {
      return;
    }
    const extra = key === 'entry_year' ? { entryIndex: index } : { gradIndex: index };
    this.setFields({ [key]: year }, extra);
  },

  onToggleOffer(e) {
    const { code } = e.currentTarget.dataset;
    const current = this.data.form.offers || [];
    const next = current.indexOf(code) >= 0 ? current.filter((c) => c !== code) : current.concat(code);
    this.setFields({ offers: next }, { selectedOffers: offerMap(next) });
  },

  onConsentChange(e) {
    this.setFields({ directory_consent: !!(e.detail && e.detail.value) });
  },

  onRetypeIdCard() {
    this.setFields({ id_card: '' }, { idLocked: false });
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

  ctx() {
    return { currentYear: this.currentYear, maskedIdCard: this.data.maskedIdCard, schools: this.data.schools };
  },

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

  showErrors(errors, hint) {
    this.setData({ errors, hint: hint || TEXT.FIX_ERRORS });
    const first = model.firstErrorField(errors);
    this.scrollTo(first ? `#field-${first}` : null);
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
    if (!this.data.schools.length) {
      this.setData({ submitError: TEXT.NO_SCHOOLS });
      return Promise.resolve();
    }
    const errors = model.validate(this.data.form, this.ctx());
    if (Object.keys(errors).length) {
      this.showErrors(errors);
      return Promise.resolve();
    }
    if (!this.data.phoneBound) {
      this.setData({ submitError: TEXT.PHONE_NEEDED });
      this.scrollTo('#phone-prompt');
      return Promise.resolve();
    }
    const payload = model.toPayload(this.data.form);
    this.setData({ submitting: true, submitError: '', hint: '' });
    return alumniApi.saveMyAlumnus(payload, { silent: true }).then(
      (record) => {
        removeStorage(DRAFT_KEY);
        writeStorage(ID_KEY, payload.id_card);
        this.setData({
          submitting: false,
          status: 'done',
          record,
          banner: model.statusOf(record) || model.statusOf({ status: 'pending' }),
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
    if (!key) {
      this.setData({ submitError: err.message });
      return;
    }
    if (err.code === 'ID_CARD_MISMATCH') {
      removeStorage(ID_KEY);
      this.setData({ idLocked: false });
    }
    if (err.code === 'SCHOOL_UNKNOWN' || key === 'school_code') {
      alumniApi.getSchools().then((schools) => this.setData({ schools }), () => {});
    }
    this.showErrors({ [key]: err.message }, err.message);
  },

  // ---- done -----------------------------------------------------------

  onEditAgain() {
    return this.load();
  },

  onGoHome() {
    wx.navigateBack({ delta: 1 });
  },
});
