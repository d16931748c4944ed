/**
 * 向导师提问 (pages/consultations/ask, ?mentor_id= from a mentor's page):
 * whom to ask — a chosen mentor, or 任一导师 of a field (staff then pick
 * one) —, the question (up to 1000 characters, counted as the server
 * counts), up to 9 photos (uploaded at once with 重试 / 删除, as on 我要自荐),
 * then 提交 → the new consultation's page.
 *
 * CONTENT_REJECTED: the text could not be sent; it stays in the box to
 * change. Picking photos needs WeChat's privacy consent (<privacy-popup />).
 *
 * The 提交问题 tap also asks (once per page, WeChat's rule: from the tap)
 * for the notice consent, so that the mentor's replies reach WeChat too; not
 * when pushes are off in 消息推送 or the consent is long-term
 * (lib/subscribe.js noticeTemplateToAsk). The question is sent whatever the
 * answer; the thread opens once the user has answered.
 */
const consultationsApi = require('../../api/consultations');
const mentorsApi = require('../../api/mentors');
const subscribe = require('../../lib/subscribe');
const returneeApi = require('../../api/returnee');
const http = require('../../api/request');
const viewer = require('../../lib/file-viewer');
const { charCount } = require('../../lib/validate');
const { createUploadList, fileView } = require('../../lib/upload-list');
const { pickPhotos } = require('../../lib/upload-pick');
const { runUpload } = require('../../lib/upload-run');
const uploadListBehavior = require('../../lib/upload-list-behavior');

const KIND = 'other';
const MAX = consultationsApi.TEXT_MAX;
const MAX_FILES = consultationsApi.IMAGES_MAX;
const ANY = 'any';

const TEXT = {
  FAILED: '没能打开提问页。请检查手机是否连上网络，再点“重试”。',
  PICK_WHO: '请选一位导师，或者选“任一导师”再选领域',
  PICK_FIELD: '请选想问哪方面（领域）',
  QUESTION_EMPTY: '请写上您想问的问题',
  QUESTION_LONG: `问题最多${MAX}字，请删减一些`,
  UPLOADING: '照片还在上传，请等上传完成后再提交',
  UPLOAD_FAILED: '有照片没有传上去，请点“重试”或删掉',
  LIMIT_FILES: `照片最多${MAX_FILES}张`,
  CONTENT_REJECTED: '问题里有不能发送的内容，没有发出去。您写的字还在，请修改后再提交。',
  MENTOR_GONE: '这位导师现在不接受提问了，请换一位导师或选“任一导师”。',
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
  if (err && err.code === 'VALIDATION_FAILED' && err.field === 'mentor_id') {
    return TEXT.MENTOR_GONE;
  }
  return (err && err.status && err.message) || TEXT.SEND_FAILED;
}

Page({
  behaviors: [uploadListBehavior],

  data: {
    status: 'loading',
    errorMessage: '',
    fixedMentor: null,
    mentors: [],
    target: '',
    fields: [],
    field: '',
    question: '',
    count: 0,
    max: MAX,
    maxFiles: MAX_FILES,
    files: [],
    canAdd: true,
    formError: '',
    submitError: '',
    submitting: false,
    removeVisible: false,
    // The notice consent is asked in the 提交问题 tap (then no longer offered).
    canNotify: false,
  },

  onLoad(query) {
    this.mentorId = query && /^[0-9]+$/.test(String(query.mentor_id || '')) ? String(query.mentor_id) : '';
    this.uploads = createUploadList();
    this.noticeTemplate = '';
    subscribe.noticeTemplateToAsk().then((id) => {
      this.noticeTemplate = id;
      this.setData({ canNotify: !!id });
    });
    return this.load();
  },

  load() {
    this.setData({ status: 'loading', errorMessage: '' });
    const options = returneeApi.getOptions().then((o) => o.intended_field || [], () => []);
    const who = this.mentorId
      ? mentorsApi.getMentor(this.mentorId, { silent: true }).then((m) => ({ fixed: m }))
      : mentorsApi.getMentors('', { silent: true }).then((body) => ({ list: body.items }));
    return Promise.all([options, who]).then(
      ([fields, answer]) => {
        const update = {
          status: 'ready',
          fields: fields.map((f) => ({ code: f.code, label: f.label })),
        };
        if (answer.fixed) {
          update.fixedMentor = { id: answer.fixed.id, name: answer.fixed.name || '' };
          update.target = String(answer.fixed.id);
        } else {
          update.mentors = answer.list.map((m) => ({ id: String(m.id), name: m.name || '' }));
        }
        this.setData(update);
      },
      (err) => {
        if (this.mentorId && err && err.code === 'NOT_FOUND') {
          // The mentor is no longer taking questions: choose another one.
          this.mentorId = '';
          return this.load();
        }
        this.setData({ status: 'error', errorMessage: (err && err.status ? err.message : '') || TEXT.FAILED });
        return undefined;
      },
    );
  },

  onRetry() {
    return this.load();
  },

  onTarget(e) {
    this.setData({ target: String(e.currentTarget.dataset.id), formError: '' });
  },

  onField(e) {
    this.setData({ field: e.currentTarget.dataset.code, formError: '' });
  },

  onQuestion(e) {
    const value = String((e && e.detail && e.detail.value) || '');
    this.setData({ question: value, count: charCount(value) });
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
    if (this.data.submitting || this.data.status !== 'ready') {
      return Promise.resolve();
    }
    const question = this.data.question.trim();
    let formError = '';
    if (!this.data.target) {
      formError = TEXT.PICK_WHO;
    } else if (this.data.target === ANY && !this.data.field) {
      formError = TEXT.PICK_FIELD;
    } else if (!question) {
      formError = TEXT.QUESTION_EMPTY;
    } else if (charCount(question) > MAX) {
      formError = TEXT.QUESTION_LONG;
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
    this.setData({ submitting: true, formError: '', submitError: '', canNotify: false });
    const who = this.data.target === ANY ? { field: this.data.field } : { mentorId: this.data.target };
    return consultationsApi.ask(Object.assign(who, { question, images: this.uploads.ids() }), { silent: true }).then(
      // The thread opens after the consent dialog is answered, not under it.
      (c) => consent.then(() => {
        this.setData({ submitting: false });
        wx.redirectTo({ url: `/pages/consultations/detail?id=${c.id}` });
      }),
      (err) => this.setData({ submitting: false, submitError: submitProblem(err) }),
    );
  },
});
