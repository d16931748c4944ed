/**
 * 申请: the form of one support policy (?policy=<code>), or the correction of
 * an application (?id=<id>, draft or returned for correction).
 *
 * - Subsidy: bank, account, contact, jobs created, materials. Loan: borrower
 *   type (enterprise name + unified social credit code), amount in yuan with
 *   the cap shown and checked as it is typed, term, purpose, and the rest.
 * - Materials: one block per kind, photos with wx.chooseMedia (camera or
 *   album, compressed) or a PDF from a chat; each upload shows its progress,
 *   can be retried, and explains 413/415.
 * - Everything is kept on the phone on every change (lib/application-draft).
 *   保存草稿 also keeps it on the server: POST once with the form's
 *   Idempotency-Key (retried with the very same body until an answer comes),
 *   PUT afterwards.
 * - 提交申请 checks every field and the required materials, asks to confirm,
 *   saves, submits, then offers the subscribe-message consent.
 */
const applicationsApi = require('../../api/applications');
const uploadsApi = require('../../api/uploads');
const http = require('../../api/request');
const model = require('../../lib/application-form');
const view = require('../../lib/application-view');
const drafts = require('../../lib/application-draft');
const subscribe = require('../../lib/subscribe');
const viewer = require('../../lib/file-viewer');
const money = require('../../lib/money');
const { uuid4 } = require('../../lib/uuid');
const { normalizeUscc } = require('../../lib/uscc');

const TEXT = {
  LOAD_FAILED: '加载失败，请检查网络后重试',
  FIX_ERRORS: '请先改正标红的内容',
  MATERIALS_MISSING: '还缺必须上传的材料，请看标红的地方',
  UPLOADING: '材料还在上传，请等上传完成后再提交',
  UPLOAD_FAILED: '有材料没有传上去，请点“重试”或删掉后重新上传',
  NETWORK_SAVE: '网络不给力，没有保存到网上。您填的内容已保存在手机上，有网时再点“保存草稿”',
  NETWORK_SUBMIT: '网络不给力，没有提交成功。您填的内容已保存在手机上，请稍后再点“提交申请”',
  SAVED: '草稿已保存',
  STALE: '这份申请刚刚在别处有改动，已更新到最新。您改过的内容都保留着，请核对后再提交',
  NO_POLICY: '没有找到这项扶持政策，可能已经停止申请',
  CLOSED: '这项政策暂未开放申请',
  NOT_ELIGIBLE: '暂时还不能申请这项政策',
  LOAN_LIMIT: '创业担保贷款每人最多能获得3次，您已经达到上限，不能再申请了',
  ALREADY_GRANTED: '您已经享受过一次性创业补贴，每人只能领一次',
  INVALID_TRANSITION: '这份申请的状态已经变了，不能再修改',
  KEY_REUSED: '填写的内容有变化，请再点一次',
  DRAFT_GONE: '网上的草稿已经不在了，请再点一次，会重新保存',
  ATTACHMENTS: '有材料已失效，请删掉后重新上传',
  LIMIT_FILES: '这一项已经传够了，如要换，请先删掉一张',
  CONSENT_ACCEPTED: '好的，审核有结果时会在微信里通知您',
};

// Files per material kind.
const MAX_FILES = { other: 9 };
const DEFAULT_MAX_FILES = 3;

let uploadSeq = 0;

function maxFiles(kind) {
  return MAX_FILES[kind] || DEFAULT_MAX_FILES;
}

function sameBody(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What is kept of an upload in the draft: uploaded ones only. */
function storedUpload(item) {
  return {
    kind: item.kind,
    id: item.id,
    url: item.url || '',
    name: item.name || '',
    content_type: item.content_type || '',
    localPath: item.localPath || '',
  };
}

function uploadFromStore(raw) {
  uploadSeq += 1;
  return {
    key: `u${uploadSeq}`,
    kind: raw.kind || 'other',
    id: raw.id,
    url: raw.url || '',
    name: raw.name || '',
    content_type: raw.content_type || '',
    localPath: raw.localPath || '',
    status: 'done',
    progress: 100,
    error: '',
    retryable: false,
    thumbFailed: false,
  };
}

function fileView(item) {
  const image = !uploadsApi.isPdf(item) && (uploadsApi.isImage(item) || !!item.localPath);
  let statusText = '';
  if (item.status === 'uploading') {
    statusText = `正在上传 ${item.progress}%`;
  } else if (item.status === 'done') {
    statusText = '已上传';
  }
  return {
    key: item.key,
    status: item.status,
    progress: item.progress,
    statusText,
    error: item.error,
    retryable: item.retryable,
    isImage: image,
    thumb: image && !item.thumbFailed ? (item.localPath || viewer.absoluteUrl(item.url)) : '',
    name: item.name || (image ? '照片' : 'PDF文件'),
  };
}

Page({
  data: {
    // loading | error | blocked | locked | ready | done
    status: 'loading',
    loadError: '',
    blockedText: '',
    blockedReasons: [],
    lockedText: '',
    mode: 'new',
    policy: { code: '', name: '', loan: false, amountText: '' },
    form: model.emptyForm(),
    errors: {},
    counts: model.counts(model.emptyForm()),
    limits: model.LIMITS,
    borrowerOptions: model.BORROWER_OPTIONS,
    termOptions: model.TERM_OPTIONS,
    termIndex: -1,
    capText: '',
    bankAccountOnFile: '',
    returnNote: null,
    fieldComments: {},
    otherComments: [],
    materials: [],
    draftRestored: false,
    staleNotice: '',
    formHint: '',
    submitError: '',
    blockError: '',
    blockAction: '',
    saving: false,
    submitting: false,
    savedAt: '',
    // none | asked | accepted | declined
    consent: 'none',
    canSubscribe: false,
    doneId: '',
  },

  onLoad(query) {
    this.query = query || {};
    this.uploads = [];
    this.materialErrors = {};
    this.load();
  },

  load() {
    this.setData({ status: 'loading', loadError: '' });
    const id = this.query.id;
    return Promise.all([
      applicationsApi.getPolicies(),
      id ? applicationsApi.getApplication(id, { silent: true }) : Promise.resolve(null),
    ]).then(
      ([policies, app]) => this.start(policies, app),
      (err) => {
        this.setData({ status: 'error', loadError: (err && err.message) || TEXT.LOAD_FAILED });
      },
    );
  },

  onRetry() {
    return this.load();
  },

  // ---- starting -----------------------------------------------------------

  start(policies, app) {
    this.templateId = policies.subscribe_template_id || '';
    const code = app ? (app.policy || app.policy_code) : this.query.policy;
    let policy = policies.items.find((p) => p.code === code);
    if (!policy && app) {
      // A policy closed since: the application can still be corrected.
      policy = { code, name: view.policyName(app), kind: code === 'guaranteed_loan' ? 'loan' : 'subsidy', materials: [] };
    }
    if (!policy) {
      this.setData({ status: 'blocked', blockedText: TEXT.NO_POLICY, blockedReasons: [] });
      return;
    }
    this.policy = policy;
    const policyData = {
      code: policy.code,
      name: policy.name || view.policyName({ policy: policy.code }),
      loan: model.isLoan(policy),
      amountText: money.formatFen(policy.amount_fen),
    };
    if (app) {
      this.startEdit(app, policyData);
    } else {
      this.startNew(policyData);
    }
  },

  startNew(policyData) {
    const policy = this.policy;
    this.draftKey = drafts.keyForPolicy(policy.code);
    const draft = drafts.read(this.draftKey);
    const eligibility = policy.eligibility || {};
    if (policy.open === false && !(draft && draft.application_id)) {
      this.setData({ status: 'blocked', policy: policyData, blockedText: TEXT.CLOSED, blockedReasons: [] });
      return;
    }
    if (eligibility.eligible === false && !(draft && draft.application_id)) {
      this.setData({
        status: 'blocked',
        policy: policyData,
        blockedText: TEXT.NOT_ELIGIBLE,
        blockedReasons: (eligibility.reasons || []).map(view.reasonView),
      });
      return;
    }
    this.idempotencyKey = (draft && draft.idempotency_key) || uuid4();
    this.pendingCreate = (draft && draft.pending_create) || null;
    this.appId = (draft && draft.application_id) || null;
    this.version = draft && draft.version;
    this.base = (draft && draft.base) || null;
    this.uploads = ((draft && draft.attachments) || []).filter((a) => a && a.id).map(uploadFromStore);
    const form = draft && draft.form ? model.normalizeForm(draft.form) : model.emptyForm();
    this.show(form, {
      mode: 'new',
      policy: policyData,
      draftRestored: !!(draft && draft.form),
      bankAccountOnFile: (draft && draft.bank_account_on_file) || '',
    });
    // The key must be on the phone before anything is sent with it.
    this.saveLocal();
  },

  startEdit(app, policyData) {
    this.appId = app.id;
    this.version = app.version;
    if (!view.isEditable(app.status)) {
      this.setData({
        status: 'locked',
        policy: policyData,
        lockedText: `这份申请现在是“${view.statusLabel(app.status)}”，不能修改。`,
      });
      return;
    }
    const found = drafts.forApplication(app.id, this.policy.code);
    this.draftKey = found.key;
    const draft = found.draft;
    this.base = model.formFromApplication(app);
    this.idempotencyKey = (draft && draft.idempotency_key) || uuid4();
    this.pendingCreate = null;
    const fromDraft = !!(draft && draft.form);
    const form = fromDraft ? model.normalizeForm(draft.form) : Object.assign({}, this.base);
    const stored = fromDraft && Array.isArray(draft.attachments) ? draft.attachments : (app.attachments || []);
    this.uploads = stored.filter((a) => a && a.id).map(uploadFromStore);

    const ret = view.lastReturn(app);
    const fieldComments = {};
    const others = [];
    if (ret) {
      Object.keys(ret.fieldComments).forEach((field) => {
        const key = model.formKeyOfServerField(field);
        const textOf = ret.fieldComments[field];
        if (key) {
          fieldComments[key] = textOf;
        } else {
          others.push({ field, label: model.FIELD_LABELS[field] || field, text: textOf });
        }
      });
    }
    this.show(form, {
      mode: 'edit',
      policy: policyData,
      draftRestored: fromDraft,
      bankAccountOnFile: app.bank_account || '',
      returnNote: ret ? { comment: ret.comment, time: ret.time, actor: ret.actor } : null,
      fieldComments,
      otherComments: others,
    });
    this.saveLocal();
  },

  /** Shows the form with everything derived from it. */
  show(form, extra) {
    this.setData(Object.assign({
      status: 'ready',
      errors: {},
      formHint: '',
      submitError: '',
      blockError: '',
      staleNotice: '',
    }, extra));
    this.applyForm(form);
    this.refreshMaterials();
  },

  applyForm(form) {
    this.setData({
      form,
      counts: model.counts(form),
      termIndex: model.TERM_OPTIONS.findIndex((t) => String(t.value) === String(form.term_months)),
      capText: this.capText(form.borrower_type),
    });
  },

  capText(borrowerType) {
    const cap = model.capFen(this.policy, borrowerType);
    return cap ? `${model.capLabel(borrowerType)}最多可以申请 ${money.formatFenWithWan(cap)}` : '';
  },

  ctx(requireAll) {
    return { policy: this.policy, bankAccountOnFile: this.data.bankAccountOnFile, requireAll };
  },

  // ---- the draft on the phone ----------------------------------------------

  saveLocal() {
    if (!this.draftKey) {
      return;
    }
    drafts.write(this.draftKey, {
      policy: this.policy.code,
      form: this.data.form,
      attachments: this.uploads.filter((u) => u.status === 'done' && u.id).map(storedUpload),
      idempotency_key: this.idempotencyKey,
      pending_create: this.pendingCreate || null,
      application_id: this.appId || null,
      version: this.version === undefined ? null : this.version,
      base: this.base || null,
      bank_account_on_file: this.data.bankAccountOnFile || '',
    });
  },

  /** Changes form fields, clears their errors and keeps the draft. */
  setFields(values, extra) {
    const update = Object.assign({}, extra);
    Object.keys(values).forEach((key) => {
      update[`form.${key}`] = values[key];
      update[`errors.${key}`] = '';
      if (Object.prototype.hasOwnProperty.call(model.LIMITS, key)) {
        update[`counts.${key}`] = Array.from(String(values[key] || '')).length;
      }
    });
    update.formHint = '';
    update.submitError = '';
    this.setData(update);
    this.saveLocal();
  },

  // ---- fields ---------------------------------------------------------------

  onInput(e) {
    const key = e.currentTarget.dataset.field;
    const value = e.detail.value;
    this.setFields({ [key]: value });
    // The amount is checked against the cap as it is typed; the credit code
    // once all 18 characters are there.
    if (key === 'amount_yuan' && String(value).trim() !== '') {
      this.checkField('amount_yuan');
    } else if (key === 'enterprise_uscc' && normalizeUscc(value).length >= 18) {
      this.checkField('enterprise_uscc');
    }
  },

  /** Checks one field now (e.g. when leaving it) and shows its message. */
  onBlur(e) {
    const key = e.currentTarget.dataset.field;
    if (String(this.data.form[key] || '').trim() !== '') {
      this.checkField(key);
    }
  },

  checkField(key) {
    const message = model.fieldError(key, this.data.form, this.ctx(false));
    this.setData({ [`errors.${key}`]: message });
  },

  onBorrowerType(e) {
    const { code } = e.currentTarget.dataset;
    if (code === this.data.form.borrower_type) {
      return;
    }
    this.setFields({ borrower_type: code }, { capText: this.capText(code) });
    if (String(this.data.form.amount_yuan || '').trim() !== '') {
      this.checkField('amount_yuan');
    }
  },

  onPickTerm(e) {
    const index = Number(e.detail.value);
    const term = model.TERM_OPTIONS[index];
    if (!term) {
      return;
    }
    this.setFields({ term_months: String(term.value) }, { termIndex: index });
  },

  onDiscardDraft() {
    const editing = this.data.mode === 'edit';
    wx.showModal({
      title: editing ? '放弃修改' : '清空重填',
      content: editing ? '放弃还没提交的修改，恢复为网上保存的内容？' : '清空手机上保存的内容，重新填写？',
      confirmText: '确定',
      cancelText: '取消',
      success: (res) => {
        if (res && res.confirm) {
          drafts.remove(this.draftKey);
          this.uploads = [];
          if (!editing && this.appId) {
            // The server already keeps a draft: go back to what it has.
            this.query = { id: this.appId };
          }
          this.load();
        }
      },
    });
  },

  // ---- materials ------------------------------------------------------------

  refreshMaterials() {
    const list = (this.policy && this.policy.materials) || [];
    const kinds = list.map((m) => m.kind);
    const materials = list.map((m) => ({
      kind: m.kind,
      label: m.label,
      required: !!m.required,
      files: this.uploads.filter((u) => u.kind === m.kind).map(fileView),
      canAdd: this.uploads.filter((u) => u.kind === m.kind).length < maxFiles(m.kind),
      error: this.materialErrors[m.kind] || '',
    }));
    // Files of a kind the policy no longer lists still show, so they can be removed.
    const strays = this.uploads.filter((u) => kinds.indexOf(u.kind) < 0);
    if (strays.length) {
      materials.push({
        kind: 'extra', label: '其他已上传的材料', required: false, files: strays.map(fileView), canAdd: false, error: '',
      });
    }
    this.setData({ materials });
  },

  findUpload(key) {
    return this.uploads.find((u) => u.key === key);
  },

  onChoosePhoto(e) {
    const { kind } = e.currentTarget.dataset;
    const room = maxFiles(kind) - this.uploads.filter((u) => u.kind === kind).length;
    if (room <= 0) {
      wx.showToast({ title: TEXT.LIMIT_FILES, icon: 'none' });
      return;
    }
    wx.chooseMedia({
      count: Math.min(room, 9),
      mediaType: ['image'],
      sourceType: ['camera', 'album'],
      sizeType: ['compressed'],
      camera: 'back',
      success: (res) => {
        (res.tempFiles || []).forEach((f) => {
          this.startUpload(kind, { path: f.tempFilePath, size: f.size, name: '' });
        });
      },
      fail: () => {
        // Cancelled: nothing to say.
      },
    });
  },

  /** A PDF (or picture) the user received in a WeChat chat. */
  onChooseFile(e) {
    const { kind } = e.currentTarget.dataset;
    const room = maxFiles(kind) - this.uploads.filter((u) => u.kind === kind).length;
    if (room <= 0) {
      wx.showToast({ title: TEXT.LIMIT_FILES, icon: 'none' });
      return;
    }
    if (typeof wx.chooseMessageFile !== 'function') {
      return;
    }
    wx.chooseMessageFile({
      count: Math.min(room, 9),
      type: 'file',
      extension: ['pdf', 'jpg', 'jpeg', 'png'],
      success: (res) => {
        (res.tempFiles || []).forEach((f) => {
          this.startUpload(kind, { path: f.path, size: f.size, name: f.name || '' });
        });
      },
      fail: () => {},
    });
  },

  startUpload(kind, file) {
    uploadSeq += 1;
    const item = {
      key: `u${uploadSeq}`,
      kind,
      id: '',
      url: '',
      name: file.name || '',
      content_type: '',
      localPath: file.path,
      size: file.size,
      status: 'uploading',
      progress: 0,
      error: '',
      retryable: false,
      thumbFailed: false,
    };
    this.uploads.push(item);
    this.materialErrors[kind] = '';
    return this.runUpload(item);
  },

  runUpload(item) {
    Object.assign(item, { status: 'uploading', progress: 0, error: '' });
    this.setData({ formHint: '' });
    this.refreshMaterials();
    return uploadsApi.uploadFile({
      filePath: item.localPath,
      kind: item.kind,
      size: item.size,
      onProgress: (progress) => {
        if (item.status === 'uploading' && progress !== item.progress) {
          item.progress = progress;
          this.refreshMaterials();
        }
      },
    }).then(
      (up) => {
        if (this.uploads.indexOf(item) < 0) {
          return; // Removed while it was uploading.
        }
        Object.assign(item, {
          status: 'done',
          progress: 100,
          id: up.id,
          url: up.url || '',
          content_type: up.content_type || '',
          name: up.name || item.name,
        });
        this.refreshMaterials();
        this.saveLocal();
      },
      (err) => {
        if (this.uploads.indexOf(item) < 0) {
          return;
        }
        Object.assign(item, {
          status: 'failed',
          error: (err && err.message) || uploadsApi.UPLOAD_TEXT.FAILED,
          retryable: !err || err.retryable !== false,
        });
        this.refreshMaterials();
      },
    );
  },

  onRetryUpload(e) {
    const item = this.findUpload(e.currentTarget.dataset.key);
    if (item && item.status === 'failed') {
      return this.runUpload(item);
    }
    return Promise.resolve();
  },

  onRemoveUpload(e) {
    const item = this.findUpload(e.currentTarget.dataset.key);
    if (!item) {
      return;
    }
    this.uploads = this.uploads.filter((u) => u !== item);
    this.refreshMaterials();
    this.saveLocal();
  },

  onThumbError(e) {
    const item = this.findUpload(e.currentTarget.dataset.key);
    if (item && !item.thumbFailed) {
      item.thumbFailed = true;
      this.refreshMaterials();
    }
  },

  onOpenUpload(e) {
    const item = this.findUpload(e.currentTarget.dataset.key);
    if (!item) {
      return Promise.resolve();
    }
    if (uploadsApi.isPdf(item)) {
      return item.localPath ? viewer.openLocalPdf(item.localPath) : viewer.openPdf(item.url);
    }
    const images = this.uploads
      .filter((u) => u.kind === item.kind && !uploadsApi.isPdf(u))
      .map((u) => u.localPath || u.url);
    viewer.previewImages(images, item.localPath || item.url);
    return Promise.resolve();
  },

  // ---- saving ---------------------------------------------------------------

  attachmentIds() {
    return this.uploads.filter((u) => u.status === 'done' && u.id).map((u) => u.id);
  },

  /**
   * Puts the form on the server: creates the draft (same key, same body
   * until the server has answered) or updates it. Resolves with the application.
   */
  persist() {
    const attachments = this.attachmentIds();
    if (!this.appId) {
      const body = model.toBody(this.data.form, this.policy, { attachments, create: true });
      if (!this.pendingCreate) {
        this.pendingCreate = body;
        this.saveLocal();
      }
      const sent = this.pendingCreate;
      return applicationsApi.createApplication(sent, this.idempotencyKey, { silent: true }).then(
        (app) => {
          this.appId = app.id;
          this.version = app.version;
          this.pendingCreate = null;
          this.base = model.formFromApplication(app);
          this.saveLocal();
          if (!sameBody(sent, body)) {
            // Changed since the first try: the draft exists now, update it.
            return this.update(model.toBody(this.data.form, this.policy, { attachments }));
          }
          return app;
        },
        (err) => {
          if (!http.isNetworkError(err) && err.status > 0 && err.status < 500) {
            // A definite answer: nothing was created, the next try is a new request.
            this.pendingCreate = null;
            this.idempotencyKey = uuid4();
            this.saveLocal();
          }
          throw err;
        },
      );
    }
    return this.update(model.toBody(this.data.form, this.policy, { attachments }));
  },

  update(body) {
    const payload = Object.assign({}, body, { version: this.version });
    return applicationsApi.updateApplication(this.appId, payload, { silent: true }).then((app) => {
      this.version = app.version;
      this.base = model.formFromApplication(app);
      if (app.bank_account) {
        this.setData({ bankAccountOnFile: app.bank_account });
      }
      this.saveLocal();
      return app;
    });
  },

  onSaveDraft() {
    if (this.data.saving || this.data.submitting) {
      return Promise.resolve();
    }
    const errors = model.validateForm(this.data.form, this.ctx(false));
    if (Object.keys(errors).length > 0) {
      this.showErrors(errors, {}, TEXT.FIX_ERRORS);
      return Promise.resolve();
    }
    this.setData({ saving: true, formHint: '', submitError: '', blockError: '' });
    return this.persist().then(
      () => {
        this.setData({ saving: false, staleNotice: '' });
        wx.showToast({ title: TEXT.SAVED, icon: 'success' });
      },
      (err) => {
        this.setData({ saving: false });
        return this.handleError(err, 'save');
      },
    );
  },

  // ---- submitting -----------------------------------------------------------

  showErrors(errors, materialErrors, hint) {
    this.materialErrors = Object.assign({}, materialErrors);
    this.setData({ errors, formHint: hint });
    this.refreshMaterials();
    const keys = model.fieldsOf(this.policy);
    const firstField = keys.find((k) => errors[k]);
    const firstMaterial = ((this.policy && this.policy.materials) || []).find((m) => this.materialErrors[m.kind]);
    if (firstField) {
      this.scrollTo(`#field-${firstField}`);
    } else if (firstMaterial) {
      this.scrollTo(`#material-${firstMaterial.kind}`);
    }
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

  summary() {
    const { form } = this.data;
    const lines = [];
    if (model.isLoan(this.policy)) {
      const amount = money.parseYuan(form.amount_yuan);
      if (!amount.error) {
        lines.push(`申请金额：${money.formatFen(amount.fen)}`);
      }
      if (form.term_months) {
        lines.push(`贷款期限：${form.term_months}个月`);
      }
    } else if (this.data.policy.amountText) {
      lines.push(`补贴金额：${this.data.policy.amountText}`);
    }
    lines.push('提交后要等审核，审核期间不能修改。确定提交吗？');
    return lines.join('\n');
  },

  onSubmit() {
    if (this.data.submitting || this.data.saving) {
      return Promise.resolve();
    }
    if (this.uploads.some((u) => u.status === 'uploading')) {
      this.setData({ formHint: TEXT.UPLOADING });
      return Promise.resolve();
    }
    const errors = model.validateForm(this.data.form, this.ctx(true));
    const materialErrors = model.materialErrors(this.policy.materials, this.uploads);
    if (Object.keys(errors).length > 0 || Object.keys(materialErrors).length > 0) {
      const hint = Object.keys(errors).length > 0 ? TEXT.FIX_ERRORS : TEXT.MATERIALS_MISSING;
      this.showErrors(errors, materialErrors, hint);
      return Promise.resolve();
    }
    if (this.uploads.some((u) => u.status === 'failed')) {
      this.setData({ formHint: TEXT.UPLOAD_FAILED });
      return Promise.resolve();
    }
    this.setData({ errors: {}, formHint: '', submitError: '', blockError: '' });
    this.materialErrors = {};
    return new Promise((resolve) => {
      wx.showModal({
        title: '确认提交',
        content: this.summary(),
        confirmText: '提交',
        cancelText: '再看看',
        success: (res) => {
          if (res && res.confirm) {
            this.doSubmit().then(resolve, resolve);
          } else {
            resolve();
          }
        },
        fail: () => resolve(),
      });
    });
  },

  doSubmit() {
    this.submitTried = true;
    this.setData({ submitting: true, submitError: '', blockError: '' });
    return this.persist()
      .then(() => applicationsApi.submitApplication(this.appId, this.version, { silent: true }))
      .then(
        (app) => this.showDone(app),
        (err) => {
          this.setData({ submitting: false });
          return this.handleError(err, 'submit');
        },
      );
  },

  showDone(app) {
    const id = (app && app.id) || this.appId;
    drafts.remove(this.draftKey);
    subscribe.markSeen(id, (app && app.status) || 'submitted');
    this.setData({
      submitting: false,
      status: 'done',
      doneId: String(id),
      canSubscribe: !!this.templateId,
      consent: 'none',
    });
    this.scrollTo(null);
    this.offerConsent();
  },

  // ---- errors ---------------------------------------------------------------

  handleError(err, phase) {
    if (http.isNetworkError(err)) {
      this.setData({ submitError: phase === 'submit' ? TEXT.NETWORK_SUBMIT : TEXT.NETWORK_SAVE });
      return Promise.resolve();
    }
    switch (err.code) {
      case 'STALE_VERSION':
        return this.reloadKeepingEdits();
      case 'INVALID_TRANSITION':
        return this.reloadAfterTransition(err);
      case 'AMOUNT_OVER_CAP':
        this.showErrors({ amount_yuan: err.message || this.capText(this.data.form.borrower_type) }, {},
          err.message || TEXT.FIX_ERRORS);
        return Promise.resolve();
      case 'LOAN_LIMIT_REACHED':
        this.setData({ blockError: TEXT.LOAN_LIMIT, blockAction: 'applications' });
        return Promise.resolve();
      case 'ALREADY_GRANTED':
        this.setData({ blockError: TEXT.ALREADY_GRANTED, blockAction: 'applications' });
        return Promise.resolve();
      case 'NOT_ELIGIBLE':
        this.setData({ blockError: err.message || TEXT.NOT_ELIGIBLE, blockAction: 'policies' });
        return Promise.resolve();
      case 'IDEMPOTENCY_KEY_REUSED':
        this.setData({ submitError: TEXT.KEY_REUSED });
        return Promise.resolve();
      default:
        break;
    }
    if (err.status === 404 && this.appId && this.data.mode === 'new') {
      // The server draft is gone (e.g. withdrawn elsewhere): start a new one.
      this.appId = null;
      this.version = undefined;
      this.base = null;
      this.pendingCreate = null;
      this.idempotencyKey = uuid4();
      this.saveLocal();
      this.setData({ submitError: TEXT.DRAFT_GONE });
      return Promise.resolve();
    }
    const key = model.formKeyOfServerField(err.field);
    if (key) {
      this.showErrors({ [key]: err.message }, {}, err.message);
      return Promise.resolve();
    }
    if (err.field === 'attachments' || err.code === 'ATTACHMENT_INVALID') {
      this.setData({ submitError: err.message || TEXT.ATTACHMENTS });
      return Promise.resolve();
    }
    const material = ((this.policy && this.policy.materials) || []).find((m) => m.kind === err.field);
    if (material) {
      this.showErrors({}, { [material.kind]: err.message }, err.message);
      return Promise.resolve();
    }
    this.setData({ submitError: err.message || TEXT.LOAD_FAILED });
    return Promise.resolve();
  },

  /** STALE_VERSION: take the new version; keep every field the user changed. */
  reloadKeepingEdits() {
    return applicationsApi.getApplication(this.appId, { silent: true }).then(
      (app) => {
        this.version = app.version;
        if (!view.isEditable(app.status)) {
          this.lock(app);
          return;
        }
        const theirs = model.formFromApplication(app);
        const merged = model.mergeEdits(this.base || theirs, this.data.form, theirs);
        this.base = theirs;
        if (app.bank_account) {
          this.setData({ bankAccountOnFile: app.bank_account });
        }
        this.applyForm(merged);
        this.setData({ staleNotice: TEXT.STALE, errors: {} });
        this.saveLocal();
        this.scrollTo(null);
      },
      (err) => {
        this.setData({ submitError: (err && err.message) || TEXT.LOAD_FAILED });
      },
    );
  },

  reloadAfterTransition(err) {
    if (!this.appId) {
      this.setData({ submitError: err.message || TEXT.INVALID_TRANSITION });
      return Promise.resolve();
    }
    return applicationsApi.getApplication(this.appId, { silent: true }).then(
      (app) => {
        this.version = app.version;
        if (!view.isEditable(app.status)) {
          this.lock(app);
          return;
        }
        this.setData({ submitError: err.message || TEXT.INVALID_TRANSITION });
      },
      () => {
        this.setData({ submitError: err.message || TEXT.INVALID_TRANSITION });
      },
    );
  },

  /** The application moved on (submitted, withdrawn…): the form can no longer be used. */
  lock(app) {
    if (this.submitTried && app.status === 'submitted') {
      // The earlier submit got through; only its answer was lost on the way.
      this.showDone(app);
      return;
    }
    drafts.remove(this.draftKey);
    this.setData({
      status: 'locked',
      lockedText: `这份申请现在是“${view.statusLabel(app.status)}”，不能再修改。`,
    });
  },

  onBlockAction() {
    const url = this.data.blockAction === 'policies'
      ? '/pages/policies/policies'
      : '/pages/applications/applications';
    wx.redirectTo({ url });
  },

  onFixReason(e) {
    const { url } = e.currentTarget.dataset;
    if (url) {
      wx.redirectTo({ url });
    }
  },

  // ---- after submit -----------------------------------------------------------

  /**
   * Right after a successful submit: asks whether to be told of the result.
   * The confirm button of the modal is the user gesture WeChat requires for
   * wx.requestSubscribeMessage; the 接收审核结果通知 button stays as a second chance.
   */
  offerConsent() {
    if (!this.templateId) {
      return;
    }
    wx.showModal({
      title: '提交成功',
      content: '审核有结果时，要不要在微信里通知您？',
      confirmText: '通知我',
      cancelText: '不用了',
      success: (res) => {
        if (res && res.confirm) {
          this.askConsent();
        } else {
          this.setData({ consent: 'declined' });
        }
      },
    });
  },

  /** Must run straight from a tap (or the modal's confirm). */
  askConsent() {
    this.setData({ consent: 'asked' });
    return subscribe.askConsent(this.templateId).then((accepted) => {
      const ok = accepted.length > 0;
      this.setData({ consent: ok ? 'accepted' : 'declined' });
      if (ok) {
        wx.showToast({ title: TEXT.CONSENT_ACCEPTED, icon: 'none' });
      }
    });
  },

  onSubscribe() {
    return this.askConsent();
  },

  onViewApplication() {
    wx.redirectTo({ url: `/pages/application/application?id=${encodeURIComponent(this.data.doneId)}` });
  },

  onViewLocked() {
    if (this.appId) {
      wx.redirectTo({ url: `/pages/application/application?id=${encodeURIComponent(this.appId)}` });
    } else {
      wx.navigateBack({ delta: 1 });
    }
  },

  onBack() {
    wx.navigateBack({ delta: 1 });
  },
});
