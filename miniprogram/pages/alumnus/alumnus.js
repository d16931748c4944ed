/**
 * 校友登记: the alumni registration form, also used to edit the record.
 * What is typed is kept as a draft in storage (`alumnus_draft`, at most
 * one write per half second, written at once when the page is hidden or
 * closed) — without the ID number, which is never stored on the phone: the
 * user types it again after a restart or to edit the record.
 */
const alumniApi = require('../../api/alumni');
const auth = require('../../api/auth');
const http = require('../../api/request');
const model = require('../../lib/alumnus-form');
const storage = require('../../lib/storage');
const { createDraftSaver } = require('../../lib/draft-saver');
const { formFieldsBehavior, pickerOptions, labelOf } = require('../../lib/form-fields');
const { normalizeIdCard } = require('../../lib/idcard');
const { todayBeijing } = require('../../lib/datetime');

const DRAFT_KEY = 'alumnus_draft';
// Earlier versions kept the full ID number here; it is removed on sight.
const LEGACY_ID_KEY = 'alumnus_id_card';

const TEXT = {
  LOAD_FAILED: '没能加载出来。请检查手机是否连上网络，再点“重新加载”。',
  NOT_SENT: '没有提交成功，请稍后再点一次提交。',
  FIX_ERRORS: '请先改正标红的内容',
  PHONE_NEEDED: '提交前请先绑定手机号，方便工作人员联系您',
  PHONE_BOUND: '手机号已绑定，请再点“提交”',
  NETWORK: '没有连上网络，登记还没有提交。填好的内容都还在，等信号好些再点一次提交。',
  CONSENT_DECLINED: '您没有同意隐私保护指引，身份证号不会发出去，登记也就没有提交。同意后才能提交。',
  NO_SCHOOLS: '学校名单还没加载出来，请稍后再试',
  ID_AGAIN_EDIT: '为保护您的信息，身份证号不存在手机上。请再输入一次登记时的身份证号',
  ID_AGAIN_DRAFT: '为保护您的信息，身份证号没有存在手机上，请再输入一次',
};

// Error codes that concern a field even when the server names none.
const CODE_FIELDS = {
  ID_CARD_INVALID: 'id_card',
  ID_CARD_MISMATCH: 'id_card',
  PERSON_ALREADY_REGISTERED: 'id_card',
  SCHOOL_UNKNOWN: 'school_code',
};

const yearOptions = (years) => years.map((y) => ({ label: `${y}年`, value: y }));

Page({
  behaviors: [formFieldsBehavior],

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
    schools: [],
    pickers: { school: [], entry: [], graduation: [] },
    labels: { school_code: '' },
    record: null,
    banner: null,
    maskedIdCard: '',
    idHint: '',
    phoneBound: true,
    phone: '',
    draftRestored: false,
    discardAsking: false,
    hint: '',
    submitting: false,
    submitError: '',
  },

  onLoad() {
    const year = Number(todayBeijing().slice(0, 4));
    this.currentYear = year;
    this.setData({
      'pickers.entry': yearOptions(model.yearRange(year)),
      'pickers.graduation': yearOptions(model.graduationYears(year)),
    });
    this.saver = createDraftSaver({ save: (draft) => storage.set(DRAFT_KEY, draft) });
    storage.remove(LEGACY_ID_KEY);
    this.load();
  },

  // The last edit reaches storage even if the user leaves within half a second.
  onHide() {
    if (this.saver) {
      this.saver.flush();
    }
  },

  onUnload() {
    if (this.saver) {
      this.saver.flush();
    }
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
    const stored = storage.get(DRAFT_KEY, null);
    const draft = model.fromDraft(stored);
    let form = model.emptyForm();
    if (draft) {
      form = draft.form;
    } else if (record) {
      form = model.formFromRecord(record);
    }
    const maskedIdCard = record ? String(record.id_card || '') : '';
    let idHint = '';
    if (maskedIdCard) {
      idHint = `${TEXT.ID_AGAIN_EDIT}（${maskedIdCard}）`;
    } else if (draft && draft.idMasked) {
      idHint = `${TEXT.ID_AGAIN_DRAFT}（${draft.idMasked}）`;
    }
    this.setData({
      status: 'ready',
      mode: record ? 'edit' : 'new',
      schools,
      'pickers.school': pickerOptions(schools),
      record,
      banner: model.statusOf(record),
      maskedIdCard,
      idHint,
      draftRestored: !!draft,
      phoneBound: !user || !!user.phone,
      phone: (user && user.phone) || '',
      errors: {},
      hint: '',
      submitError: '',
    });
    this.applyForm(form);
    if (stored && stored.form && stored.form.id_card) {
      // A draft from an earlier version held the ID number in clear: rewrite it now.
      this.saveDraft();
      this.saver.flush();
    }
  },

  applyForm(form) {
    this.setData({
      form,
      counts: model.counts(form),
      'labels.school_code': labelOf(this.data.schools, form.school_code),
    });
  },

  saveDraft() {
    this.saver.schedule(model.toDraft(this.data.form));
  },

  // ---- form-fields hooks ----------------------------------------------

  formChanged(keys) {
    if (keys.indexOf('id_card') >= 0 && normalizeIdCard(this.data.form.id_card).length === 18) {
      // Checked as soon as all 18 characters are there.
      const error = model.validate(this.data.form, this.ctx()).id_card;
      if (error) {
        this.setData({ 'errors.id_card': error });
      }
    }
    this.saveDraft();
  },

  /** Blur: the field's own message, once something is typed (empty required fields wait for 提交). */
  checkField(key, form) {
    const value = form[key];
    if (value === '' || value === undefined || value === null) {
      return '';
    }
    return model.validate(form, this.ctx())[key] || '';
  },

  onClearGraduation() {
    this.setFields({ graduation_year: '' });
  },

  onDiscardDraft() {
    this.setData({ discardAsking: true });
  },

  onDiscardCancel() {
    this.setData({ discardAsking: false });
  },

  onDiscardConfirm() {
    this.setData({ discardAsking: false });
    this.saver.cancel();
    storage.remove(DRAFT_KEY);
    return this.load();
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

  onPhoneBound(e) {
    const phone = (e && e.detail && e.detail.phone) || '';
    this.setData({ phoneBound: true, phone, submitError: '', hint: TEXT.PHONE_BOUND });
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
    return this.send(payload);
  },

  /**
   * The ID number goes only with consent to the privacy policy (asked
   * once); a 422 PRIVACY_CONSENT_REQUIRED asks again and resends
   * (auth.sendWithPrivacyConsent).
   */
  send(payload) {
    return auth.sendWithPrivacyConsent(() => alumniApi.saveMyAlumnus(payload, { silent: true })).then(
      (out) => {
        if (out.declined) {
          this.setData({ submitting: false, submitError: TEXT.CONSENT_DECLINED });
          return undefined;
        }
        return this.saved(out.result);
      },
      (err) => {
        this.setData({ submitting: false });
        this.handleSubmitError(err);
      },
    );
  },

  saved(record) {
    this.saver.cancel();
    storage.remove(DRAFT_KEY);
    this.setData({
      submitting: false,
      status: 'done',
      record,
      banner: model.statusOf(record) || model.statusOf({ status: 'pending' }),
    });
    this.scrollTo(null);
  },

  handleSubmitError(err) {
    const e = err || {};
    if (http.isNetworkError(e)) {
      this.setData({ submitError: TEXT.NETWORK });
      return;
    }
    if (e.code === 'PHONE_NOT_BOUND') {
      this.setData({ phoneBound: false, phone: '', submitError: e.message || TEXT.PHONE_NEEDED });
      this.scrollTo('#phone-prompt');
      return;
    }
    const key = model.formKeyOfServerField(e.field) || CODE_FIELDS[e.code] || '';
    if (!key) {
      this.setData({ submitError: e.message || TEXT.NOT_SENT });
      return;
    }
    if (e.code === 'SCHOOL_UNKNOWN' || key === 'school_code') {
      alumniApi.getSchools().then((schools) => this.setData({
        schools, 'pickers.school': pickerOptions(schools),
      }), () => {});
    }
    this.showErrors({ [key]: e.message }, e.message);
  },

  // ---- done -----------------------------------------------------------

  onEditAgain() {
    return this.load();
  },

  onGoHome() {
    wx.navigateBack({ delta: 1 });
  },
});
