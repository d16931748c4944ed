/**
 * 我要自荐 (pages/selections/nominate?id=<selection id>): the selection's
 * title and description, 事迹介绍 (up to 2000 characters, counted as the
 * server counts them), materials (photos or PDFs, up to 10, sent the way
 * the application form sends them: lib/upload-list.js, lib/upload-pick.js,
 * lib/upload-run.js, each with 重试 and 删除), then 提交 → 已提交，等待评审.
 *
 * Picking photos needs WeChat's privacy consent: <privacy-popup /> asks in
 * our words (as on pages/apply). Nothing here needs the server's consent
 * check (no ID number or bank account is sent).
 */
const selectionsApi = require('../../api/selections');
const http = require('../../api/request');
const viewer = require('../../lib/file-viewer');
const { charCount } = require('../../lib/validate');
const { createUploadList, fileView, isPdfItem } = require('../../lib/upload-list');
const { pickPhotos, pickChatFiles } = require('../../lib/upload-pick');
const { runUpload } = require('../../lib/upload-run');
const uploadListBehavior = require('../../lib/upload-list-behavior');

const KIND = 'other';
const MAX = selectionsApi.STATEMENT_MAX;
const MAX_FILES = selectionsApi.MATERIALS_MAX;

const TEXT = {
  NO_ID: '没有找到这个评选。',
  NOT_FOUND: '没有找到这个评选，可能已经撤下了。',
  NOT_OPEN: '这个评选现在不接受自荐（不在推荐时间内）。',
  LOAD_FAILED: '没能打开自荐表。请检查手机是否连上网络，再点“重试”。',
  STATEMENT_EMPTY: '请写上事迹介绍',
  STATEMENT_LONG: `事迹介绍最多${MAX}字，请删减一些`,
  UPLOADING: '材料还在上传，请等上传完成后再提交',
  UPLOAD_FAILED: '有材料没有传上去，请点“重试”或删掉后重新上传',
  LIMIT_FILES: `材料最多${MAX_FILES}个，如要换，请先删掉一个`,
  DUPLICATE: '您已经自荐过了，不用再提交。评审结果会在公布后显示在“评选”里',
  NOMINATIONS_CLOSED: '推荐时间已过，不能再自荐了',
  NOT_REGISTERED: '要先填写返乡登记（或校友登记），才能自荐',
  VALIDATION_FAILED: `请写上事迹介绍，最多${MAX}字`,
  MATERIALS_TOO_MANY: `材料最多${MAX_FILES}个，请删掉一些`,
  ATTACHMENT_INVALID: '有材料已失效，请删掉后重新上传',
  NETWORK: '手机没有连上网络，没有提交成功。请检查信号或Wi-Fi后再点“提交自荐”',
  FAILED: '没有提交成功，请稍后再试',
};

/** The message (and the way out) for a failed 提交. */
function submitProblem(err) {
  const code = err && err.code;
  if (http.isNetworkError(err)) {
    return { message: TEXT.NETWORK };
  }
  switch (code) {
    case 'DUPLICATE':
      return { message: TEXT.DUPLICATE };
    case 'NOMINATIONS_CLOSED':
      return { message: TEXT.NOMINATIONS_CLOSED };
    case 'NOT_REGISTERED':
      return { message: TEXT.NOT_REGISTERED, action: 'register' };
    case 'VALIDATION_FAILED':
      return { message: err.field === 'materials' ? TEXT.MATERIALS_TOO_MANY : TEXT.VALIDATION_FAILED, field: err.field || 'statement' };
    case 'ATTACHMENT_INVALID':
      return { message: TEXT.ATTACHMENT_INVALID };
    case 'NOT_FOUND':
      return { message: TEXT.NOT_FOUND };
    default:
      return { message: (err && err.status && err.message) || TEXT.FAILED };
  }
}

Page({
  behaviors: [uploadListBehavior],

  data: {
    // loading | error | empty | ready | done
    status: 'loading',
    errorMessage: '',
    emptyText: TEXT.NO_ID,
    selection: null,
    statement: '',
    count: 0,
    max: MAX,
    maxFiles: MAX_FILES,
    statementError: '',
    files: [],
    canAdd: true,
    formHint: '',
    submitError: '',
    submitAction: '',
    submitting: false,
    removeVisible: false,
  },

  onLoad(query) {
    this.selectionId = query && query.id ? String(query.id) : '';
    this.uploads = createUploadList();
    return this.load();
  },

  load() {
    if (!/^[0-9]+$/.test(this.selectionId)) {
      this.setData({ status: 'empty', emptyText: TEXT.NO_ID });
      return Promise.resolve();
    }
    this.setData({ status: 'loading', errorMessage: '' });
    return selectionsApi.getSelections({ silent: true }).then(
      (body) => {
        const s = body.items.find((it) => String(it.id) === this.selectionId);
        if (!s) {
          this.setData({ status: 'empty', emptyText: TEXT.NOT_FOUND });
          return;
        }
        if (!s.nominations_open) {
          this.setData({ status: 'empty', emptyText: TEXT.NOT_OPEN });
          return;
        }
        this.setData({
          status: 'ready',
          selection: {
            id: s.id,
            title: s.title || '',
            kindName: s.kind_name || '',
            description: s.description || '',
            windowText: s.opens_on && s.closes_on ? `推荐时间 ${s.opens_on} 至 ${s.closes_on}` : '',
          },
        });
      },
      (err) => {
        this.setData({ status: 'error', errorMessage: (err && err.status ? err.message : '') || TEXT.LOAD_FAILED });
      },
    );
  },

  onRetry() {
    return this.load();
  },

  // ---- 事迹介绍 ---------------------------------------------------------------

  onStatement(e) {
    const value = String((e && e.detail && e.detail.value) || '');
    const count = charCount(value);
    const update = { statement: value, count };
    if (this.data.statementError && count > 0 && count <= MAX) {
      update.statementError = '';
    }
    this.setData(update);
  },

  // ---- materials ------------------------------------------------------------

  /** After 删除 or a broken thumbnail (lib/upload-list-behavior.js). */
  uploadsChanged() {
    this.refreshFiles();
  },

  refreshFiles() {
    this.setData({
      files: this.uploads.items.map(fileView),
      canAdd: this.uploads.items.length < MAX_FILES,
    });
  },

  room() {
    return Math.max(0, MAX_FILES - this.uploads.items.length);
  },

  onChoosePhoto() {
    return this.pick(pickPhotos);
  },

  /** A PDF (or picture) the user received in a WeChat chat. */
  onChooseFile() {
    return this.pick(pickChatFiles);
  },

  pick(picker) {
    const room = this.room();
    if (room <= 0) {
      wx.showToast({ title: TEXT.LIMIT_FILES, icon: 'none' });
      return Promise.resolve();
    }
    return picker(room).then((files) => Promise.all(files.slice(0, this.room()).map((file) => {
      const item = this.uploads.add(KIND, file);
      return this.send(item);
    })));
  },

  send(item) {
    this.setData({ formHint: '' });
    return runUpload(this.uploads, item, { onChange: () => this.refreshFiles() });
  },






  /** Opens a file: a PDF in WeChat's viewer, photos in the previewer. */
  onOpenUpload(e) {
    const item = this.uploads.find(e.currentTarget.dataset.key);
    if (!item) {
      return Promise.resolve();
    }
    if (isPdfItem(item)) {
      if (item.localPath) {
        return viewer.openLocalPdf(item.localPath);
      }
      return viewer.openAttachmentPdf(item).then(({ item: fresh }) => {
        Object.assign(item, { url: fresh.url, url_expires_at: fresh.url_expires_at });
      });
    }
    const images = this.uploads.imagesOf(KIND);
    const src = (u) => u.localPath || u.url;
    viewer.previewImages(images.map(src).filter(Boolean), src(item));
    return Promise.resolve();
  },

  // ---- 提交 ------------------------------------------------------------------

  onSubmit() {
    if (this.data.submitting || this.data.status !== 'ready') {
      return Promise.resolve();
    }
    const statement = this.data.statement.trim();
    if (!statement) {
      this.setData({ statementError: TEXT.STATEMENT_EMPTY, formHint: TEXT.STATEMENT_EMPTY });
      return Promise.resolve();
    }
    if (charCount(statement) > MAX) {
      this.setData({ statementError: TEXT.STATEMENT_LONG, formHint: TEXT.STATEMENT_LONG });
      return Promise.resolve();
    }
    if (this.uploads.uploading()) {
      this.setData({ formHint: TEXT.UPLOADING });
      return Promise.resolve();
    }
    if (this.uploads.failed()) {
      this.setData({ formHint: TEXT.UPLOAD_FAILED });
      return Promise.resolve();
    }
    this.setData({
      submitting: true, statementError: '', formHint: '', submitError: '', submitAction: '',
    });
    return selectionsApi.nominate(this.selectionId, statement, this.uploads.ids(), { silent: true }).then(
      () => {
        this.setData({ submitting: false, status: 'done' });
        if (typeof wx.pageScrollTo === 'function') {
          wx.pageScrollTo({ scrollTop: 0, duration: 200 });
        }
      },
      (err) => {
        const problem = submitProblem(err);
        const update = { submitting: false, submitError: problem.message, submitAction: problem.action || '' };
        if (problem.field === 'statement') {
          update.statementError = problem.message;
        }
        this.setData(update);
      },
    );
  },

  onRegister() {
    wx.navigateTo({ url: '/pages/register/register' });
  },

  onBack() {
    const pages = typeof getCurrentPages === 'function' ? getCurrentPages() : [];
    if (pages.length > 1) {
      wx.navigateBack({ delta: 1 });
    } else {
      wx.redirectTo({ url: '/pages/selections/selections' });
    }
  },
});
