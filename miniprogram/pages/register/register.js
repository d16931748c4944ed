/**
 * 返乡登记: the 4-step registration form, also used to edit an existing
 * record. What is typed is kept as a draft in storage (`returnee_draft`,
 * at most one write per half second, written at once when the page is
 * hidden or closed) — without the ID number, which is never stored on the
 * phone: after a restart, or when editing, the user types it again.
 */
const returneeApi = require('../../api/returnee');
const auth = require('../../api/auth');
const http = require('../../api/request');
const model = require('../../lib/returnee-form');
const storage = require('../../lib/storage');
const { createDraftSaver } = require('../../lib/draft-saver');
const { formFieldsBehavior, pickerOptions, labelOf } = require('../../lib/form-fields');
const { normalizeIdCard, parseIdCard } = require('../../lib/idcard');
const { todayBeijing, formatDate } = require('../../lib/datetime');

const DRAFT_KEY = 'returnee_draft';
// Earlier versions kept the full ID number here; it is removed on sight.
const LEGACY_ID_KEY = 'returnee_id_card';

const TEXT = {
  LOAD_FAILED: '没能加载出来。请检查手机是否连上网络，再点“重新加载”。',
  NOT_SENT: '没有提交成功，请稍后再点一次提交。',
  FIX_ERRORS: '请先改正标红的内容',
  PHONE_NEEDED: '提交前请先绑定手机号，方便工作人员联系您',
  PHONE_BOUND: '手机号已绑定，请再点“提交登记”',
  NETWORK: '没有连上网络，登记还没有提交。填好的内容都还在，等信号好些再点一次提交。',
  CONSENT_DECLINED: '您没有同意隐私保护指引，身份证号不会发出去，登记也就没有提交。同意后才能提交。',
  VILLAGES_FAILED: '村（社区）没加载出来，点这里再试一次',
  ID_AGAIN_EDIT: '为保护您的信息，身份证号不存在手机上。请再输入一次登记时的身份证号',
  ID_AGAIN_DRAFT: '为保护您的信息，身份证号没有存在手机上，请再输入一次',
  RESUME: '输入身份证号后点“下一步”，回到您上次填到的地方',
};

// Error codes that concern a field even when the server names none.
const CODE_FIELDS = {
  ID_CARD_INVALID: 'id_card',
  ID_CARD_MISMATCH: 'id_card',
  PERSON_ALREADY_REGISTERED: 'id_card',
  USCC_INVALID: 'uscc',
  REGION_UNKNOWN: 'village_code',
};

const DATE_FIELDS = ['left_on', 'returned_on', 'plan_return_on', 'business_started_on'];

function dateTexts(form) {
  const out = {};
  DATE_FIELDS.forEach((key) => {
    out[key] = formatDate(form[key]);
  });
  return out;
}

function idInfoText(id) {
  const info = parseIdCard(id);
  if (!info) {
    return '';
  }
  return `出生日期 ${formatDate(info.birthDate)}，性别 ${info.gender === 'M' ? '男' : '女'}`;
}

function yearsLater(day, years) {
  const y = Number(String(day).slice(0, 4)) + years;
  return `${y}${String(day).slice(4)}`;
}

Page({
  behaviors: [formFieldsBehavior],

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
    dates: dateTexts(model.emptyForm()),
    today: '',
    planEnd: '',
    statusOptions: model.STATUS_OPTIONS,
    intentionOptions: model.INTENTION_OPTIONS,
    options: { skill: [], intended_field: [], need: [], education: [], business_type: [] },
    pickers: { township: [], village: [], education: [], business_type: [] },
    labels: { township_code: '', village_code: '', education: '', business_type: '' },
    townships: [],
    villages: [],
    villagesLoading: false,
    villagesError: '',
    // Editing: the registered ID as the server shows it (masked); the typed one must fit it.
    maskedIdCard: '',
    idHint: '',
    idInfo: '',
    phoneBound: true,
    phone: '',
    draftRestored: false,
    discardAsking: false,
    stepHint: '',
    submitting: false,
    submitError: '',
    contentPending: false,
  },

  onLoad(query) {
    this.query = query || {};
    const today = todayBeijing();
    this.setData({ today, planEnd: yearsLater(today, 10) });
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
    const stored = storage.get(DRAFT_KEY, null);
    const draft = model.fromDraft(stored);
    let form = model.emptyForm();
    if (draft) {
      form = draft.form;
    } else if (record) {
      form = model.formFromRecord(record);
    }
    let step = draft ? draft.step : 0;

    if (form.township_code && townships.length && !townships.some((t) => t.code === form.township_code)) {
      // The township is no longer offered: ask again rather than send a stale code.
      form.township_code = '';
      form.village_code = '';
    }

    const maskedIdCard = record ? String(record.id_card || '') : '';
    let idHint = '';
    if (maskedIdCard) {
      idHint = `${TEXT.ID_AGAIN_EDIT}（${maskedIdCard}）`;
    } else if (draft && draft.idMasked) {
      idHint = `${TEXT.ID_AGAIN_DRAFT}（${draft.idMasked}）`;
    }
    // The ID number is on the first step: start there and come back afterwards.
    this.resumeStep = step > 0 ? step : 0;
    if (step > 0) {
      step = 0;
    }

    this.setData({
      status: 'ready',
      mode: record ? 'edit' : 'new',
      options,
      townships,
      pickers: {
        township: pickerOptions(townships),
        village: [],
        education: pickerOptions(options.education),
        business_type: pickerOptions(options.business_type),
      },
      maskedIdCard,
      idHint,
      step,
      draftRestored: !!draft,
      phoneBound: !user || !!user.phone,
      phone: (user && user.phone) || '',
      errors: {},
      submitError: '',
      stepHint: this.resumeStep > 0 ? TEXT.RESUME : '',
    });
    this.applyForm(form);
    if (form.township_code) {
      this.loadVillages(form.township_code);
    }
    if (stored && stored.form && stored.form.id_card) {
      // A draft from an earlier version held the ID number in clear: rewrite it now.
      this.saveDraft();
      this.saver.flush();
    }
  },

  /** Sets the whole form and everything derived from it. */
  applyForm(form) {
    const { options, townships } = this.data;
    this.setData({
      form,
      counts: model.counts(form),
      dates: dateTexts(form),
      'labels.township_code': labelOf(townships, form.township_code),
      'labels.education': labelOf(options.education, form.education),
      'labels.business_type': labelOf(options.business_type, form.business_type),
      idInfo: idInfoText(form.id_card),
    });
  },

  saveDraft() {
    this.saver.schedule(model.toDraft(this.data.form, this.data.step));
  },

  // ---- form-fields hooks ----------------------------------------------

  /** After any change (lib/form-fields.js): derived texts, the ID check, the draft. */
  formChanged(keys) {
    const update = {};
    keys.forEach((key) => {
      if (DATE_FIELDS.indexOf(key) >= 0) {
        update[`dates.${key}`] = formatDate(this.data.form[key]);
      }
    });
    if (keys.indexOf('id_card') >= 0) {
      const id = this.data.form.id_card;
      update.idInfo = idInfoText(id);
      // Checked as soon as all 18 characters are there, not only on 下一步.
      if (normalizeIdCard(id).length === 18) {
        const error = model.validateStep(0, this.data.form, this.ctx()).id_card;
        if (error) {
          update['errors.id_card'] = error;
        }
      }
    }
    if (Object.keys(update).length) {
      this.setData(update);
    }
    this.saveDraft();
  },

  /** Blur: the field's own message, only once something is typed (empty required fields wait for 下一步). */
  checkField(key, form) {
    const value = form[key];
    if (value === '' || value === undefined || value === null) {
      return '';
    }
    const step = model.stepOfField(key);
    return step < 0 ? '' : (model.validateStep(step, form, this.ctx())[key] || '');
  },

  beforeFieldPick(key, code, label) {
    if (key !== 'township_code') {
      return false;
    }
    if (code !== this.data.form.township_code) {
      this.setFields({ township_code: code, village_code: '' }, {
        picking: '',
        'labels.township_code': label || labelOf(this.data.townships, code),
        'labels.village_code': '',
        villages: [],
        'pickers.village': [],
      });
      this.loadVillages(code);
    }
    return true;
  },

  // ---- regions ----------------------------------------------------------

  loadVillages(townshipCode) {
    this.setData({ villagesLoading: true, villagesError: '' });
    return returneeApi.getRegions(townshipCode).then(
      (villages) => {
        if (this.data.form.township_code !== townshipCode) {
          return; // The user picked another township meanwhile.
        }
        const code = this.data.form.village_code;
        const known = villages.some((v) => v.code === code);
        this.setData({
          villages,
          villagesLoading: false,
          'pickers.village': pickerOptions(villages),
          'labels.village_code': known ? labelOf(villages, code) : '',
        });
        if (code && villages.length && !known) {
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
    let next = Math.min(step + 1, model.STEPS.length - 1);
    if (this.resumeStep > next) {
      next = this.resumeStep;
    }
    this.resumeStep = 0;
    this.goToStep(next);
  },

  onPrev() {
    this.goToStep(Math.max(this.data.step - 1, 0));
  },

  /** Tapping a step of t-steps: back is always allowed, forward never skips checks. */
  onStepChange(e) {
    const target = Number(e.detail && e.detail.current);
    if (target < this.data.step) {
      this.goToStep(target);
    }
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

  // ---- phone ----------------------------------------------------------

  onPhoneBound(e) {
    const phone = (e && e.detail && e.detail.phone) || '';
    const last = this.data.step === model.STEPS.length - 1;
    this.setData({
      phoneBound: true,
      phone,
      submitError: '',
      stepHint: last ? TEXT.PHONE_BOUND : '',
    });
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
    return this.send(payload);
  },

  /**
   * The ID number goes only with consent to the privacy policy (asked
   * once); a 422 PRIVACY_CONSENT_REQUIRED asks again and resends
   * (auth.sendWithPrivacyConsent).
   */
  send(payload) {
    return auth.sendWithPrivacyConsent(() => returneeApi.saveMyReturnee(payload, { silent: true })).then(
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
      contentPending: !!(record && record.content_review && record.content_review !== 'ok'),
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
    const step = model.stepOfField(key);
    if (step < 0) {
      this.setData({ submitError: e.message || TEXT.NOT_SENT });
      return;
    }
    if (e.code === 'REGION_UNKNOWN') {
      // The region list changed since it was loaded.
      returneeApi.getRegions('').then((townships) => this.setData({
        townships, 'pickers.township': pickerOptions(townships),
      }), () => {});
    }
    this.showErrors(step, { [key]: e.message }, e.message);
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
