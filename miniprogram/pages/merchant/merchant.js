/**
 * 楚商信息: my merchant record (楚商人才信息库) — read it, confirm it, change it.
 *
 * GET /api/v1/me/merchant: 404 means no record yet, and the page is the form to create one
 * (name and ID number only for someone who has no 返乡登记 / 校友登记 yet: the server says so
 * with a 422 on id_card). A record the server no longer counts as fresh shows
 * “您的信息已超过 N 天未确认（上次确认 YYYY-MM-DD），请确认或更新” (N: the server's window,
 * fresh_days) with 确认无误 (POST .../confirm); a fresh one a quiet “信息有效期至 YYYY-MM-DD”
 * (confirm_due_on). 修改 opens the form:
 * hometown, where the business is, industry (GB/T 4754 section, then division), size,
 * revenue, status, 商会任职, intention (fields, amount band, timing, preferred township) and
 * the enterprises (add / remove); 保存 sends the whole record with PUT. The contact phone is
 * the one bound through WeChat, shown masked.
 */
const merchantsApi = require('../../api/merchants');
const returneeApi = require('../../api/returnee');
const auth = require('../../api/auth');
const http = require('../../api/request');
const model = require('./form');
const { sectionOptions, divisionOptions, sectionOf } = require('../project/industries');
const { formFieldsBehavior, pickerOptions, labelOf } = require('../../lib/form-fields');

const TEXT = {
  LOAD_FAILED: '没能加载出来。请检查手机是否连上网络，再点“重新加载”。',
  FIX_ERRORS: '请先改正标红的内容',
  SAVED: '已保存',
  CONFIRMED: '已确认，谢谢您',
  NETWORK: '手机没有连上网络，信息还没有保存。填好的内容都还在，等信号好些再点一次保存。',
  NOT_SAVED: '没有保存成功，请稍后再点一次保存。',
  CONSENT_DECLINED: '您没有同意隐私保护指引，身份证号不会发出去，信息也就没有保存。',
  PHONE_NEEDED: '保存前请先绑定手机号，方便招商部门联系您',
  PHONE_BOUND: '手机号已绑定，请再点“保存”',
  STALE: '您的信息刚在别处改过，已为您显示最新的内容，请核对后再修改。',
  IDENTITY_NEEDED: '第一次登记，请填写姓名和身份证号',
  CONFIRM_FAILED: '没有确认成功，请稍后再点一次。',
};

// Server fields → the form's error keys.
const SERVER_FIELDS = {
  name: 'name',
  id_card: 'id_card',
  township_code: 'township_code',
  biz_province: 'biz_province',
  biz_city: 'biz_city',
  industry_code: 'industry_code',
  size_band: 'size_band',
  revenue_band: 'revenue_band',
  operating_status: 'operating_status',
  chamber_roles: 'chamber_roles',
  intended_fields: 'intended_fields',
  amount_band: 'amount_band',
  timing: 'timing',
  preferred_township: 'preferred_township',
  enterprises: 'enterprises',
};

const CODE_FIELDS = {
  USCC_TAKEN: 'enterprises',
  ID_CARD_MISMATCH: 'id_card',
  PERSON_ALREADY_REGISTERED: 'id_card',
};

const BAND_KEYS = ['size_band', 'revenue_band', 'operating_status', 'amount_band', 'timing'];

Page({
  behaviors: [formFieldsBehavior],

  data: {
    // loading | error | ready
    status: 'loading',
    loadError: '',
    // view (a record) | edit (changing it) | new (no record yet)
    mode: 'new',
    record: null,
    rows: [],
    enterpriseLines: [],
    stale: {
      stale: false, days: 0, confirmedOn: '', confirmedDate: '', dueOn: '', text: '', validText: '',
    },
    confirming: false,
    form: model.emptyForm(),
    errors: {},
    counts: {},
    limits: model.LIMITS,
    labels: {},
    pickers: {
      townships: [], sections: sectionOptions(), divisions: [], size_band: [], revenue_band: [], operating_status: [], amount_band: [], timing: [],
    },
    fieldOptions: [],
    pickSection: 'A',
    identityNeeded: false,
    phone: '',
    phoneBound: true,
    saving: false,
    hint: '',
    submitError: '',
  },

  onLoad() {
    const pickers = {};
    BAND_KEYS.forEach((k) => {
      pickers[`pickers.${k}`] = pickerOptions(model.BANDS[k]);
    });
    this.setData(pickers);
    return this.load();
  },

  load() {
    this.setData({ status: 'loading', loadError: '' });
    const me = auth.getMe({ silent: true }).catch(() => null);
    const regions = returneeApi.getRegions().catch(() => []);
    const options = returneeApi.getOptions().catch(() => ({ intended_field: [] }));
    return Promise.all([merchantsApi.getMyMerchant(), regions, options, me]).then(
      ([record, townships, lists, user]) => {
        this.townships = townships || [];
        this.fields = (lists && lists.intended_field) || [];
        this.setData({
          status: 'ready',
          'pickers.townships': pickerOptions(this.townships),
          fieldOptions: this.fields.map((o) => ({ code: o.code, label: o.label || o.name || o.code })),
          phone: (record && record.phone) || (user && user.phone) || '',
          phoneBound: !user || !!user.phone || !!(record && record.phone),
          errors: {},
          hint: '',
          submitError: '',
        });
        if (record) {
          this.show(record);
        } else {
          this.setData({ mode: 'new', record: null });
          this.applyForm(model.emptyForm());
        }
      },
      (err) => {
        this.setData({ status: 'error', loadError: (err && err.message) || TEXT.LOAD_FAILED });
      },
    );
  },

  onRetry() {
    return this.load();
  },

  /** A saved record in the view mode. */
  show(record) {
    this.setData({
      mode: 'view',
      record,
      rows: model.recordRows(record, { townships: this.townships, fields: this.fields }),
      enterpriseLines: model.enterpriseLines(record),
      stale: model.staleInfo(record),
      phone: record.phone || this.data.phone,
    });
  },

  applyForm(form) {
    const labels = {
      township_code: labelOf(this.townships, form.township_code),
      preferred_township: labelOf(this.townships, form.preferred_township),
      industry_code: model.industryLabel(form.industry_code),
    };
    BAND_KEYS.forEach((k) => {
      labels[k] = model.bandLabel(k, form[k]);
    });
    const counts = {};
    Object.keys(model.LIMITS).forEach((k) => {
      counts[k] = Array.from(form[k] || '').length;
    });
    this.setData({ form, labels, counts });
  },

  // ---- confirm ----------------------------------------------------------

  onConfirm() {
    if (this.data.confirming) {
      return Promise.resolve();
    }
    this.setData({ confirming: true });
    return merchantsApi.confirmMyMerchant({ silent: true }).then(
      (record) => {
        this.setData({ confirming: false });
        if (record) {
          this.show(Object.assign({}, record, { fresh: record.fresh !== false }));
        }
        wx.showToast({ title: TEXT.CONFIRMED, icon: 'success' });
      },
      (err) => {
        this.setData({ confirming: false });
        wx.showToast({ title: (err && err.message) || TEXT.CONFIRM_FAILED, icon: 'none' });
      },
    );
  },

  // ---- edit -------------------------------------------------------------

  onEdit() {
    this.setData({
      mode: 'edit', errors: {}, hint: '', submitError: '',
    });
    this.applyForm(model.formFromRecord(this.data.record));
    this.scrollTo(null);
  },

  onCancelEdit() {
    this.setData({
      mode: 'view', errors: {}, hint: '', submitError: '',
    });
    this.scrollTo(null);
  },

  // The whole form is re-read for its labels after a pick.
  formChanged(keys) {
    if (keys.some((k) => k === 'township_code' || k === 'preferred_township' || BAND_KEYS.indexOf(k) >= 0)) {
      this.applyForm(this.data.form);
    }
  },

  checkField(key, form) {
    const value = form[key];
    if (value === '' || value === undefined || value === null) {
      return '';
    }
    return model.validate(form, { withIdentity: this.data.mode === 'new' })[key] || '';
  },

  /** 所属行业: the section first, then its divisions. */
  onOpenIndustry() {
    const section = sectionOf(this.data.form.industry_code);
    this.setData({ picking: 'industry_section', pickSection: section || 'A' });
  },

  onSectionPick(e) {
    const detail = (e && e.detail) || {};
    const code = Array.isArray(detail.value) ? detail.value[0] : detail.value;
    if (!code) {
      this.setData({ picking: '' });
      return;
    }
    this.setData({ 'pickers.divisions': divisionOptions(code), picking: 'industry_code' });
  },

  onIndustryPick(e) {
    const detail = (e && e.detail) || {};
    const code = Array.isArray(detail.value) ? detail.value[0] : detail.value;
    if (!code) {
      this.setData({ picking: '' });
      return;
    }
    this.setFields({ industry_code: code }, { picking: '', 'labels.industry_code': model.industryLabel(code) });
  },

  onFieldsChange(e) {
    const value = (e && e.detail && e.detail.value) || [];
    if (value.length > model.MAX_FIELDS) {
      this.setData({ 'errors.intended_fields': `意向领域最多选择 ${model.MAX_FIELDS} 项` });
      return;
    }
    this.setFields({ intended_fields: value });
  },

  onClearPreferred() {
    this.setFields({ preferred_township: '' }, { 'labels.preferred_township': '' });
  },

  // ---- enterprises --------------------------------------------------------

  onAddEnterprise() {
    if (this.data.form.enterprises.length >= model.MAX_ENTERPRISES) {
      this.setData({ 'errors.enterprises': `企业最多填写 ${model.MAX_ENTERPRISES} 家` });
      return;
    }
    const enterprises = this.data.form.enterprises.concat([model.emptyEnterprise()]);
    this.setData({ 'form.enterprises': enterprises, 'errors.enterprises': '' });
  },

  onRemoveEnterprise(e) {
    const index = Number(e && e.currentTarget && e.currentTarget.dataset.index);
    const enterprises = this.data.form.enterprises.filter((_, i) => i !== index);
    const errors = Object.assign({}, this.data.errors);
    Object.keys(errors).forEach((k) => {
      if (k.indexOf('enterprise_') === 0) delete errors[k];
    });
    errors.enterprises = '';
    this.setData({ 'form.enterprises': enterprises, errors });
  },

  onEnterpriseChange(e) {
    const target = (e && e.currentTarget) || {};
    const index = Number(target.dataset && target.dataset.index);
    const key = target.dataset && target.dataset.key;
    if (!key || !(index >= 0) || index >= this.data.form.enterprises.length) {
      return;
    }
    const value = (e.detail && typeof e.detail === 'object' ? e.detail.value : e.detail) || '';
    this.setData({
      [`form.enterprises[${index}].${key}`]: value,
      [`errors.enterprise_${index}`]: '',
      'errors.enterprises': '',
      hint: '',
      submitError: '',
    });
  },

  // ---- phone ----------------------------------------------------------------

  onPhoneBound(e) {
    const phone = (e && e.detail && e.detail.phone) || '';
    this.setData({
      phoneBound: true, phone, submitError: '', hint: TEXT.PHONE_BOUND,
    });
  },

  // ---- save -----------------------------------------------------------------

  scrollTo(selector) {
    const opts = selector ? { selector, duration: 200 } : { scrollTop: 0, duration: 200 };
    setTimeout(() => {
      try {
        if (typeof wx.pageScrollTo === 'function') {
          wx.pageScrollTo(opts);
        }
      } catch (err) {
        // Scrolling is a convenience only.
      }
    }, 50);
  },

  showErrors(errors, hint) {
    this.setData({ errors, hint: hint || TEXT.FIX_ERRORS });
    const first = model.firstErrorField(errors);
    this.scrollTo(first ? `#field-${first.indexOf('enterprise_') === 0 ? 'enterprises' : first}` : null);
  },

  onSave() {
    if (this.data.saving) {
      return Promise.resolve();
    }
    const ctx = { withIdentity: this.data.mode === 'new' };
    const errors = model.validate(this.data.form, ctx);
    if (this.data.identityNeeded && !this.data.form.id_card.trim()) {
      errors.id_card = TEXT.IDENTITY_NEEDED;
    }
    if (Object.keys(errors).length) {
      this.showErrors(errors);
      return Promise.resolve();
    }
    const version = this.data.record ? this.data.record.version : 0;
    const payload = model.toPayload(this.data.form, version);
    this.setData({ saving: true, submitError: '', hint: '' });
    const save = () => merchantsApi.saveMyMerchant(payload, { silent: true });
    const sent = payload.id_card ? auth.sendWithPrivacyConsent(save) : save().then((result) => ({ result }));
    return sent.then(
      (out) => {
        if (out.declined) {
          this.setData({ saving: false, submitError: TEXT.CONSENT_DECLINED });
          return;
        }
        this.setData({
          saving: false, identityNeeded: false, errors: {}, 'form.id_card': '',
        });
        this.show(out.result || {});
        wx.showToast({ title: TEXT.SAVED, icon: 'success' });
        this.scrollTo(null);
      },
      (err) => {
        this.setData({ saving: false });
        this.saveFailed(err);
      },
    );
  },

  saveFailed(err) {
    const e = err || {};
    if (http.isNetworkError(e)) {
      this.setData({ submitError: TEXT.NETWORK });
      return undefined;
    }
    if (e.code === 'PHONE_NOT_BOUND') {
      this.setData({ phoneBound: false, phone: '', submitError: e.message || TEXT.PHONE_NEEDED });
      this.scrollTo('#phone-prompt');
      return undefined;
    }
    if (e.code === 'STALE_VERSION') {
      return merchantsApi.getMyMerchant().then((record) => {
        if (record) {
          this.show(record);
        }
        this.setData({ submitError: '', hint: '' });
        wx.showToast({ title: '内容已更新，请核对', icon: 'none' });
        this.setData({ hint: TEXT.STALE });
      }, () => this.setData({ submitError: e.message || TEXT.NOT_SAVED }));
    }
    const key = SERVER_FIELDS[e.field] || CODE_FIELDS[e.code] || '';
    if (!key) {
      this.setData({ submitError: e.message || TEXT.NOT_SAVED });
      return undefined;
    }
    if (key === 'id_card' || key === 'name') {
      this.setData({ identityNeeded: true });
    }
    this.showErrors({ [key]: e.message || TEXT.NOT_SAVED }, e.message);
    return undefined;
  },

  // ---- elsewhere ----------------------------------------------------------

  onMatches() {
    wx.navigateTo({ url: '/pages/matches/matches' });
  },
});
