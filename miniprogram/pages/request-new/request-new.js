/**
 * 提交诉求 (pages/request-new/request-new): the category (政策咨询, 审批办证,
 * 用地用工, 融资信贷, 基础设施, 其他), what the problem is (up to 1000
 * characters, counted as the server counts), up to 6 photos (uploaded at once
 * with 重试 / 删除, the existing upload helpers), and the township — the one
 * on the user's record unless another is chosen —, then 提交 → the new
 * request's page.
 *
 * The 提交诉求 tap also asks (once per page, WeChat's rule: from the tap) for
 * the notice consent, so that each step of the request reaches WeChat too;
 * not when pushes are off or the consent is long-term (lib/subscribe.js
 * noticeTemplateToAsk). The request is sent whatever the answer.
 *
 * CONTENT_REJECTED: the text could not be sent; it stays in the box. When the
 * user has no record the server asks for the township: the picker is shown
 * open with that message.
 */
const requestsApi = require('../../api/requests');
const returneeApi = require('../../api/returnee');
const subscribe = require('../../lib/subscribe');
const http = require('../../api/request');
const viewer = require('../../lib/file-viewer');
const { charCount } = require('../../lib/validate');
const { createUploadList, fileView } = require('../../lib/upload-list');
const { pickPhotos } = require('../../lib/upload-pick');
const { runUpload } = require('../../lib/upload-run');
const uploadListBehavior = require('../../lib/upload-list-behavior');

const KIND = 'other';
const MAX = requestsApi.TEXT_MAX;
const MAX_FILES = requestsApi.IMAGES_MAX;

const TEXT = {
  PICK_CATEGORY: '请选诉求类别',
  TEXT_EMPTY: '请写上您遇到的问题',
  TEXT_LONG: `诉求最多${MAX}字，请删减一些`,
  UPLOADING: '照片还在上传，请等上传完成后再提交',
  UPLOAD_FAILED: '有照片没有传上去，请点“重试”或删掉',
  LIMIT_FILES: `照片最多${MAX_FILES}张`,
  CONTENT_REJECTED: '诉求里有不能发送的内容，没有提交。您写的字还在，请修改后再提交。',
  PICK_TOWNSHIP: '请选诉求所在的乡镇（街道）',
  NETWORK: '手机没有连上网络，没有提交成功。您写的字还在，请检查信号后再点“提交”。',
  SEND_FAILED: '没有提交成功，请稍后再试',
};

function submitProblem(err) {
  if (http.isNetworkError(err)) {
    return TEXT.NETWORK;
  }
  if (err && err.code === 'CONTENT_REJECTED') {
    return TEXT.CONTENT_REJECTED;
  }
  return (err && err.status && err.message) || TEXT.SEND_FAILED;
}

Page({
  behaviors: [uploadListBehavior],

  data: {
    categories: requestsApi.CATEGORIES,
    category: '',
    text: '',
    count: 0,
    max: MAX,
    maxFiles: MAX_FILES,
    files: [],
    canAdd: true,
    townships: [],
    township: '',
    showTownships: false,
    formError: '',
    submitError: '',
    submitting: false,
    removeVisible: false,
    // The notice consent is asked in the 提交诉求 tap (then no longer offered).
    canNotify: false,
  },

  onLoad() {
    this.uploads = createUploadList();
    this.noticeTemplate = '';
    subscribe.noticeTemplateToAsk().then((id) => {
      this.noticeTemplate = id;
      this.setData({ canNotify: !!id });
    });
    return returneeApi.getRegions('').then(
      (list) => this.setData({ townships: (list || []).map((t) => ({ code: String(t.code), name: t.name || '' })) }),
      () => undefined,
    );
  },

  onCategory(e) {
    this.setData({ category: e.currentTarget.dataset.code, formError: '' });
  },

  onText(e) {
    const value = String((e && e.detail && e.detail.value) || '');
    this.setData({ text: value, count: charCount(value) });
  },

  onToggleTownships() {
    this.setData({ showTownships: !this.data.showTownships });
  },

  onTownship(e) {
    const code = String(e.currentTarget.dataset.code);
    this.setData({ township: this.data.township === code ? '' : code, formError: '' });
  },

  // ---- photos --------------------------------------------------------------------

  uploadsChanged() {
    this.refreshFiles();
  },

  refreshFiles() {
    this.setData({
      files: this.uploads.items.map(fileView),
      canAdd: this.uploads.items.length < MAX_FILES,
    });
  },

  onChoosePhoto() {
    const room = MAX_FILES - this.uploads.items.length;
    if (room <= 0) {
      wx.showToast({ title: TEXT.LIMIT_FILES, icon: 'none' });
      return Promise.resolve();
    }
    return pickPhotos(room).then((files) => Promise.all(files.slice(0, room).map((file) => this.send(this.uploads.add(KIND, file)))));
  },

  send(item) {
    this.setData({ formError: '' });
    return runUpload(this.uploads, item, { onChange: () => this.refreshFiles() });
  },

  onOpenUpload(e) {
    const item = this.uploads.find(e.currentTarget.dataset.key);
    if (item) {
      const src = (u) => u.localPath || u.url;
      viewer.previewImages(this.uploads.items.map(src).filter(Boolean), src(item));
    }
  },

  // ---- 提交 -----------------------------------------------------------------------

  onSubmit() {
    if (this.data.submitting) {
      return Promise.resolve();
    }
    const text = this.data.text.trim();
    let formError = '';
    if (!this.data.category) {
      formError = TEXT.PICK_CATEGORY;
    } else if (!text) {
      formError = TEXT.TEXT_EMPTY;
    } else if (charCount(text) > MAX) {
      formError = TEXT.TEXT_LONG;
    } else if (this.uploads.uploading()) {
      formError = TEXT.UPLOADING;
    } else if (this.uploads.failed()) {
      formError = TEXT.UPLOAD_FAILED;
    }
    if (formError) {
      this.setData({ formError });
      return Promise.resolve();
    }
    // Still inside the tap: WeChat shows the consent dialog only from here.
    let consent = Promise.resolve();
    if (this.noticeTemplate && this.data.canNotify) {
      consent = subscribe.askConsent(this.noticeTemplate);
    }
    this.setData({
      submitting: true, formError: '', submitError: '', canNotify: false,
    });
    return requestsApi.submitRequest({
      category: this.data.category, text, images: this.uploads.ids(), townshipCode: this.data.township,
    }, { silent: true }).then(
      // The request opens after the consent dialog is answered, not under it.
      (r) => consent.then(() => {
        this.setData({ submitting: false });
        wx.redirectTo({ url: `/pages/request/request?id=${r.id}` });
      }),
      (err) => {
        if (err && err.code === 'VALIDATION_FAILED' && err.field === 'township_code') {
          this.setData({ submitting: false, showTownships: true, formError: TEXT.PICK_TOWNSHIP });
          return;
        }
        this.setData({ submitting: false, submitError: submitProblem(err) });
      },
    );
  },
});
