/**
 * 申请: the form of one support policy (?policy=<code>), or the correction of
 * an application (?id=<id>, draft or returned for correction).
 *
 * The page only wires things together:
 * - fields: lib/application-fields.js (typing, limits refused with the
 *   server's limit), checks and API body in lib/application-form.js;
 * - materials: lib/upload-list.js (state and blocks), lib/upload-pick.js
 *   (camera/album/chat), lib/upload-run.js (sending with progress and retry);
 * - the draft on the phone: lib/application-draft.js (no bank account in
 *   clear), written at most every half second by lib/draft-saver.js;
 * - 保存草稿 / 提交: POST once with the form's Idempotency-Key (the very
 *   same body until an answer comes), PUT with the version afterwards. A
 *   submit that meets no network waits for it (api/request.js
 *   keepUntilOnline) and goes on by itself when the network is back.
 * - 提交 asks in a t-dialog; its confirm tap also asks for the subscribe
 *   consent (WeChat only allows that inside a tap). A refusal still submits.
 */
const applicationsApi = require('../../api/applications');
const auth = require('../../api/auth');
const http = require('../../api/request');
const model = require('../../lib/application-form');
const fields = require('../../lib/application-fields');
const view = require('../../lib/application-view');
const drafts = require('../../lib/application-draft');
const subscribe = require('../../lib/subscribe');
const viewer = require('../../lib/file-viewer');
const money = require('../../lib/money');
const { createSync, whatToShow } = require('../../lib/application-save');
const { createDraftSaver } = require('../../lib/draft-saver');
const { createUploadList, isPdfItem } = require('../../lib/upload-list');
const { pickPhotos, pickChatFiles } = require('../../lib/upload-pick');
const { runUpload } = require('../../lib/upload-run');
const uploadListBehavior = require('../../lib/upload-list-behavior');

const TEXT = {
  LOAD_FAILED: '没能打开申请表。请检查手机是否连上网络，再点“重新加载”',
  FIX_ERRORS: '请先改正标红的内容',
  MATERIALS_MISSING: '还缺必须上传的材料，请看标红的地方',
  UPLOADING: '材料还在上传，请等上传完成后再提交',
  UPLOAD_FAILED: '有材料没有传上去，请点“重试”或删掉后重新上传',
  NETWORK_SAVE: '手机没有连上网络，草稿没有存到网上。您填的内容已保存在手机上，有网时再点“保存草稿”',
  NETWORK_SUBMIT: '手机没有连上网络，没有提交成功。您填的内容已保存在手机上，请检查信号或Wi-Fi后再点“提交申请”',
  WAITING_NETWORK: '手机现在没有连上网络。您的申请已经留在手机上，网络一恢复就会自动提交。信号好了也可以点“现在再试一次”。',
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
  PRIVACY_DECLINED: '没有同意隐私保护指引，银行账号不能交上去。同意后再点一次就行',
  PRIVACY_AGAIN: '已记下您同意隐私保护指引，请再点一次',
};

const STEPS = [
  { title: '填写信息' },
  { title: '上传材料' },
  { title: '提交审核' },
];

Page({
  behaviors: [uploadListBehavior],

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
    accountDigits: model.BANK_ACCOUNT_DIGITS,
    borrowerOptions: model.BORROWER_OPTIONS,
    termOptions: model.TERM_OPTIONS,
    termIndex: -1,
    capText: '',
    bankAccountOnFile: '',
    bankAccountTail: '',
    boundPhone: '',
    returnNote: null,
    fieldComments: {},
    otherComments: [],
    materials: [],
    steps: STEPS,
    step: 0,
    draftRestored: false,
    staleNotice: '',
    formHint: '',
    submitError: '',
    blockError: '',
    blockAction: '',
    saving: false,
    submitting: false,
    waitingNetwork: false,
    waitingText: TEXT.WAITING_NETWORK,
    // t-dialogs
    confirmVisible: false,
    confirmContent: '',
    removeVisible: false,
    discardVisible: false,
    // none | asked | accepted | declined
    consent: 'none',
    canSubscribe: false,
    doneId: '',
  },

  onLoad(query) {
    this.query = query || {};
    this.uploads = createUploadList();
    this.materialErrors = {};
    this.saver = createDraftSaver({ save: (draft) => this.draftKey && drafts.write(this.draftKey, draft) });
    this.load();
  },

  onHide() {
    this.saver.flush();
  },

  onUnload() {
    this.saver.flush();
  },

  load() {
    this.setData({ status: 'loading', loadError: '' });
    const id = this.query.id;
    auth.getMe({ silent: true }).then(
      (me) => this.setData({ boundPhone: (me && me.phone) || '' }),
      () => {},
    );
    return Promise.all([
      applicationsApi.getPolicies(),
      id ? applicationsApi.getApplication(id, { silent: true }) : Promise.resolve(null),
    ]).then(
      ([policies, app]) => this.start(policies, app),
      (err) => {
        this.setData({ status: 'error', loadError: (err && !http.isNetworkError(err) && err.message) || TEXT.LOAD_FAILED });
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
    this.sync = createSync(draft, { changed: () => this.saveNow() });
    this.uploads.restore((draft && draft.attachments) || []);
    const form = draft && draft.form ? model.normalizeForm(draft.form) : model.emptyForm();
    this.show(form, {
      mode: 'new',
      policy: policyData,
      draftRestored: !!(draft && draft.form),
      bankAccountOnFile: (draft && draft.bank_account_on_file) || '',
      bankAccountTail: (draft && !form.bank_account && draft.bank_account_tail) || '',
    });
    // The key must be on the phone before anything is sent with it.
    this.saveNow();
  },

  startEdit(app, policyData) {
    const found = drafts.forApplication(app.id, this.policy.code);
    const draft = found.draft;
    this.sync = createSync({ idempotency_key: draft && draft.idempotency_key }, { changed: () => this.saveNow() });
    this.sync.took(app);
    if (!view.isEditable(app.status)) {
      this.setData({
        status: 'locked',
        policy: policyData,
        lockedText: `这份申请现在是“${view.statusLabel(app.status)}”，不能修改。`,
      });
      return;
    }
    this.draftKey = found.key;
    const fromDraft = !!(draft && draft.form);
    const form = fromDraft ? model.normalizeForm(draft.form) : Object.assign({}, this.sync.base);
    const stored = fromDraft && Array.isArray(draft.attachments) ? draft.attachments : (app.attachments || []);
    this.uploads.restore(stored);

    const ret = view.lastReturn(app);
    const { fieldComments, others } = model.commentsByField(ret ? ret.fieldComments : {});
    this.show(form, {
      mode: 'edit',
      policy: policyData,
      draftRestored: fromDraft,
      bankAccountOnFile: app.bank_account || '',
      bankAccountTail: (fromDraft && draft.bank_account_tail) || '',
      returnNote: ret ? { comment: ret.comment, time: ret.time, actor: ret.actor } : null,
      fieldComments,
      otherComments: others,
    });
    this.saveNow();
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
      termIndex: fields.termIndex(form.term_months),
      capText: this.capText(form.borrower_type),
    });
    this.refreshStep();
  },

  capText(borrowerType) {
    const cap = model.capFen(this.policy, borrowerType);
    return cap ? `${model.capLabel(borrowerType)}最多可以申请 ${money.formatFenWithWan(cap)}` : '';
  },

  ctx(requireAll) {
    return { policy: this.policy, bankAccountOnFile: this.data.bankAccountOnFile, requireAll };
  },

  /** Where the user is: 0 填写信息, 1 上传材料, 2 提交审核 (t-steps). */
  refreshStep() {
    if (!this.policy) {
      return;
    }
    const formOk = Object.keys(model.validateForm(this.data.form, this.ctx(true))).length === 0;
    const materialsOk = Object.keys(model.materialErrors(this.policy.materials, this.uploads.done())).length === 0;
    let step = 0;
    if (formOk) {
      step = materialsOk ? 2 : 1;
    }
    if (step !== this.data.step) {
      this.setData({ step });
    }
  },

  // ---- the draft on the phone ----------------------------------------------

  draftData() {
    return {
      policy: this.policy.code,
      form: this.data.form,
      bank_account_tail: this.data.bankAccountTail || '',
      attachments: this.uploads.stored(),
      idempotency_key: this.sync.idempotencyKey,
      pending_create: this.sync.pendingCreate || null,
      application_id: this.sync.appId || null,
      version: this.sync.version === undefined ? null : this.sync.version,
      base: this.sync.base || null,
      bank_account_on_file: this.data.bankAccountOnFile || '',
    };
  },

  /** Keeps the draft at most every half second (typing). */
  saveLocal() {
    if (this.draftKey && this.sync) {
      this.saver.schedule(this.draftData());
    }
  },

  /** Keeps the draft now (before anything is sent with its key). */
  saveNow() {
    if (this.draftKey && this.sync) {
      this.saver.schedule(this.draftData());
      this.saver.flush();
    }
  },

  /** Changes form fields, clears their errors and keeps the draft. */
  setFields(values, extra) {
    this.setData(fields.fieldUpdate(values, extra));
    this.saveLocal();
    this.refreshStep();
  },

  // ---- fields ---------------------------------------------------------------

  onInput(e) {
    const key = e.currentTarget.dataset.field;
    const change = fields.typed(this.data.form, key, e.detail.value);
    if (key === 'bank_account' && change.value) {
      change.update.bankAccountTail = '';
    }
    this.setData(change.update);
    if (change.refused) {
      // The field may still show the longer text when the kept value did not
      // change (typing on at the limit): put the kept text back into it.
      const field = this.selectComponent(`#input-${key}`);
      if (field && field.data.value !== change.value) {
        field.setData({ value: change.value });
      }
    }
    this.saveLocal();
    this.refreshStep();
    if (change.check) {
      this.checkField(key);
    }
  },

  /** Checks one field now (when leaving it) and shows its message. */
  onBlur(e) {
    const key = e.currentTarget.dataset.field;
    if (String(this.data.form[key] || '').trim() !== '' && !this.data.errors[key]) {
      this.checkField(key);
    }
  },

  checkField(key) {
    const message = model.fieldError(key, this.data.form, this.ctx(false));
    this.setData({ [`errors.${key}`]: message });
  },

  onBorrowerType(e) {
    const code = e.detail.value;
    if (!code || code === this.data.form.borrower_type) {
      return;
    }
    this.setFields({ borrower_type: code }, { capText: this.capText(code) });
    if (String(this.data.form.amount_yuan || '').trim() !== '') {
      this.checkField('amount_yuan');
    }
  },

  onPickTerm(e) {
    const term = model.TERM_OPTIONS.find((t) => String(t.value) === String(e.detail.value));
    if (!term) {
      return;
    }
    this.setFields({ term_months: String(term.value) }, { termIndex: fields.termIndex(term.value) });
  },

  onPhoneBound(e) {
    this.setData({ boundPhone: (e && e.detail && e.detail.phone) || '' });
  },

  onDiscardDraft() {
    this.setData({ discardVisible: true });
  },

  onDiscardCancel() {
    this.setData({ discardVisible: false });
  },

  onDiscardConfirm() {
    const editing = this.data.mode === 'edit';
    this.setData({ discardVisible: false });
    this.saver.cancel();
    drafts.remove(this.draftKey);
    this.uploads.clear();
    if (!editing && this.sync && this.sync.appId) {
      // The server already keeps a draft: go back to what it has.
      this.query = { id: this.sync.appId };
    }
    return this.load();
  },

  // ---- materials ------------------------------------------------------------

  /** After 删除 or a broken thumbnail (lib/upload-list-behavior.js); a removal is saved. */
  uploadsChanged({ removed }) {
    this.refreshMaterials();
    if (removed) {
      this.saveLocal();
    }
  },

  refreshMaterials() {
    const list = (this.policy && this.policy.materials) || [];
    this.setData({ materials: this.uploads.views(list, this.materialErrors) });
    this.refreshStep();
  },

  onChoosePhoto(e) {
    return this.pick(e.currentTarget.dataset.kind, pickPhotos);
  },

  /** A PDF (or picture) the user received in a WeChat chat. */
  onChooseFile(e) {
    return this.pick(e.currentTarget.dataset.kind, pickChatFiles);
  },

  pick(kind, picker) {
    const room = this.uploads.room(kind);
    if (room <= 0) {
      wx.showToast({ title: TEXT.LIMIT_FILES, icon: 'none' });
      return Promise.resolve();
    }
    return picker(room).then((files) => Promise.all(files.slice(0, room).map((file) => {
      const item = this.uploads.add(kind, file);
      this.materialErrors[kind] = '';
      return this.send(item);
    })));
  },

  send(item) {
    this.setData({ formHint: '' });
    return runUpload(this.uploads, item, {
      onChange: (changed) => {
        this.refreshMaterials();
        if (changed.status === 'done') {
          this.saveLocal();
        }
      },
    });
  },






  /** Opens a file; links of files uploaded earlier are renewed first when they ran out. */
  onOpenUpload(e) {
    const item = this.uploads.find(e.currentTarget.dataset.key);
    if (!item) {
      return Promise.resolve();
    }
    if (isPdfItem(item)) {
      if (item.localPath && !item.id) {
        return viewer.openLocalPdf(item.localPath);
      }
      return viewer.openAttachmentPdf(item).then(({ item: fresh }) => {
        Object.assign(item, { url: fresh.url, url_expires_at: fresh.url_expires_at });
      });
    }
    const images = this.uploads.imagesOf(item.kind);
    const remote = images.filter((u) => !u.localPath);
    return viewer.freshLinks(remote).then((fresh) => {
      fresh.forEach((f, i) => Object.assign(remote[i], { url: f.url, url_expires_at: f.url_expires_at }));
      const src = (u) => u.localPath || u.url;
      viewer.previewImages(images.map(src), src(item));
    });
  },

  // ---- saving ---------------------------------------------------------------

  /** Puts the form on the server (lib/application-save.js). `keep`: wait for the network. */
  persist({ keep = false } = {}) {
    return this.sync.persist({
      form: this.data.form,
      policy: this.policy,
      attachments: this.uploads.ids(),
      keep,
      onKept: () => this.setData({ waitingNetwork: true, submitError: '' }),
    }).then((app) => {
      if (app && app.bank_account) {
        this.setData({ bankAccountOnFile: app.bank_account });
      }
      return app;
    });
  },

  /** Before a bank account is sent: the privacy policy must be accepted (PIPL). */
  privacyOk() {
    if (String(this.data.form.bank_account || '').trim() === '') {
      return Promise.resolve(true);
    }
    return auth.ensurePrivacyConsent({ silent: true }).catch(() => true);
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
    return this.privacyOk().then((ok) => {
      if (!ok) {
        this.setData({ saving: false, submitError: TEXT.PRIVACY_DECLINED });
        return undefined;
      }
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
    });
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
    return model.submitSummary(this.data.form, this.policy, this.data.policy.amountText);
  },

  /** 提交申请: checks everything, then asks in the t-dialog. */
  onSubmit() {
    if (this.data.submitting || this.data.saving) {
      return;
    }
    if (this.uploads.uploading()) {
      this.setData({ formHint: TEXT.UPLOADING });
      return;
    }
    const errors = model.validateForm(this.data.form, this.ctx(true));
    const materialErrors = model.materialErrors(this.policy.materials, this.uploads.done());
    if (Object.keys(errors).length > 0 || Object.keys(materialErrors).length > 0) {
      const hint = Object.keys(errors).length > 0 ? TEXT.FIX_ERRORS : TEXT.MATERIALS_MISSING;
      this.showErrors(errors, materialErrors, hint);
      return;
    }
    if (this.uploads.failed()) {
      this.setData({ formHint: TEXT.UPLOAD_FAILED });
      return;
    }
    this.materialErrors = {};
    this.setData({
      errors: {}, formHint: '', submitError: '', blockError: '', confirmVisible: true, confirmContent: this.summary(),
    });
  },

  /** 现在再试一次 while the submission waits for the network. */
  onRetryNow() {
    http.retryKeptNow();
  },

  onSubmitCancel() {
    this.setData({ confirmVisible: false });
  },

  /**
   * The 提交 of the dialog: a tap, so the subscribe consent is asked here,
   * before anything else (WeChat refuses it outside a tap). The submission
   * goes on whatever the answer.
   */
  onSubmitConfirm() {
    this.setData({ confirmVisible: false });
    if (this.templateId && this.data.consent !== 'accepted') {
      this.askConsent();
    }
    return this.doSubmit();
  },

  doSubmit() {
    this.submitTried = true;
    this.setData({ submitting: true, submitError: '', blockError: '', waitingNetwork: false });
    return this.privacyOk().then((ok) => {
      if (!ok) {
        this.setData({ submitting: false, submitError: TEXT.PRIVACY_DECLINED });
        return undefined;
      }
      return this.persist({ keep: true })
        .then(() => applicationsApi.submitApplication(this.sync.appId, this.sync.version, { silent: true }))
        .then(
          (app) => this.showDone(app),
          (err) => {
            this.setData({ submitting: false, waitingNetwork: false });
            return this.handleError(err, 'submit');
          },
        );
    });
  },

  showDone(app) {
    const id = (app && app.id) || this.sync.appId;
    this.saver.cancel();
    drafts.remove(this.draftKey);
    subscribe.markSeen(id, (app && app.status) || 'submitted');
    this.setData({
      submitting: false,
      waitingNetwork: false,
      status: 'done',
      doneId: String(id),
      canSubscribe: !!this.templateId,
    });
    this.scrollTo(null);
  },

  // ---- errors ---------------------------------------------------------------

  handleError(err, phase) {
    const what = whatToShow(err, {
      policy: this.policy, appId: this.sync.appId, mode: this.data.mode, texts: TEXT,
    });
    switch (what.kind) {
      case 'network':
        this.setData({ submitError: phase === 'submit' ? TEXT.NETWORK_SUBMIT : TEXT.NETWORK_SAVE });
        break;
      case 'stale':
        return this.reloadKeepingEdits();
      case 'transition':
        return this.reloadAfterTransition(what.message);
      case 'privacy':
        // The server has no consent to the current policy: ask again, then the user taps again.
        return auth.ensurePrivacyConsent({ fresh: true, silent: true }).then(
          (ok) => this.setData({ submitError: ok ? TEXT.PRIVACY_AGAIN : TEXT.PRIVACY_DECLINED }),
          () => this.setData({ submitError: TEXT.PRIVACY_DECLINED }),
        );
      case 'gone':
        this.sync.forget();
        this.setData({ submitError: TEXT.DRAFT_GONE });
        break;
      case 'block':
        this.setData({ blockError: what.message, blockAction: what.action });
        break;
      case 'field':
        this.showErrors({ [what.key]: what.message }, {}, what.message);
        break;
      case 'material':
        this.showErrors({}, { [what.material]: what.message }, what.message);
        break;
      default:
        this.setData({ submitError: what.message });
    }
    return Promise.resolve();
  },

  /** STALE_VERSION: take the new version; keep every field the user changed. */
  reloadKeepingEdits() {
    return applicationsApi.getApplication(this.sync.appId, { silent: true }).then(
      (app) => {
        this.sync.version = app.version;
        if (!view.isEditable(app.status)) {
          this.lock(app);
          return;
        }
        const theirs = model.formFromApplication(app);
        const merged = model.mergeEdits(this.sync.base || theirs, this.data.form, theirs);
        this.sync.base = theirs;
        if (app.bank_account) {
          this.setData({ bankAccountOnFile: app.bank_account });
        }
        this.applyForm(merged);
        this.setData({ staleNotice: TEXT.STALE, errors: {} });
        this.saveNow();
        this.scrollTo(null);
      },
      (err) => {
        this.setData({ submitError: (err && err.message) || TEXT.LOAD_FAILED });
      },
    );
  },

  reloadAfterTransition(message) {
    if (!this.sync.appId) {
      this.setData({ submitError: message });
      return Promise.resolve();
    }
    return applicationsApi.getApplication(this.sync.appId, { silent: true }).then(
      (app) => {
        this.sync.version = app.version;
        if (!view.isEditable(app.status)) {
          this.lock(app);
          return;
        }
        this.setData({ submitError: message });
      },
      () => {
        this.setData({ submitError: message });
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
    this.saver.cancel();
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

  // ---- the subscribe consent --------------------------------------------------

  /** Must run straight from a tap (the dialog's 提交, or the button after). */
  askConsent() {
    this.setData({ consent: 'asked' });
    return subscribe.askConsent(this.templateId).then((accepted) => {
      const ok = accepted.length > 0;
      this.setData({ consent: ok ? 'accepted' : 'declined' });
      if (ok && this.data.status === 'done') {
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
    if (this.sync && this.sync.appId) {
      wx.redirectTo({ url: `/pages/application/application?id=${encodeURIComponent(this.sync.appId)}` });
    } else {
      wx.navigateBack({ delta: 1 });
    }
  },

  onBack() {
    wx.navigateBack({ delta: 1 });
  },
});
