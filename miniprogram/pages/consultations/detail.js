/**
 * 问诊详情 (pages/consultations/detail?id=N): the page the inbox opens for
 * BOTH sides of a consultation (`role`: asker | mentor). The question with
 * its photos, then the thread (who wrote, when, the text, photos: tap for
 * the large view), a reply box with photos; the mentor also sees the
 * asker's summary (name, township, what they plan).
 *
 * - 结束问诊: the asker (asked first), or the mentor with an optional
 *   summary; then the asker rates it once (1–5 stars, a comment).
 * - CONTENT_REJECTED: the text could not be sent; it stays in the box.
 */
const consultationsApi = require('../../api/consultations');
const http = require('../../api/request');
const fileViewer = require('../../lib/file-viewer');
const { charCount } = require('../../lib/validate');
const { createUploadList, fileView } = require('../../lib/upload-list');
const { pickPhotos } = require('../../lib/upload-pick');
const { runUpload } = require('../../lib/upload-run');
const uploadListBehavior = require('../../lib/upload-list-behavior');
const view = require('../../lib/mentor-view');

const KIND = 'other';
const MAX = consultationsApi.TEXT_MAX;
const MAX_FILES = consultationsApi.IMAGES_MAX;

const TEXT = {
  NO_ID: '没有找到这个问诊。',
  NOT_FOUND: '没有找到这个问诊，可能不是您的。',
  FAILED: '没能打开这个问诊。请检查手机是否连上网络，再点“重试”。',
  EMPTY_REPLY: '请写几句话，或者加一张照片',
  REPLY_LONG: `一次最多写${MAX}字，请分开发`,
  UPLOADING: '照片还在上传，请等上传完成后再发送',
  UPLOAD_FAILED: '有照片没有传上去，请点“重试”或删掉',
  CONTENT_REJECTED: '这段话里有不能发送的内容，没有发出去。您写的字还在，请修改后再发。',
  CLOSED: '这个问诊已经结束了，不能再发消息。',
  NOT_YOURS_NOW: '这个问诊已经转给别的导师了，不能再回复。',
  NETWORK: '手机没有连上网络，没有发出去。您写的字还在，请检查信号后再点一次。',
  FAILED_SEND: '没有发出去，请稍后再试',
  RATE_PICK: '请点星星打分（1到5颗星）',
  SUMMARY_LONG: `总结最多${consultationsApi.SUMMARY_MAX}字`,
  COMMENT_LONG: `评价最多${consultationsApi.COMMENT_MAX}字`,
};

const RETURNEE_STATUS = { away: '在外务工', returned: '已返乡', planning: '打算返乡' };
const INTENTION = {
  none: '暂无创业打算', considering: '在考虑创业', preparing: '正在准备创业', started: '已经在创业',
};

function problemOf(err, role) {
  if (http.isNetworkError(err)) {
    return TEXT.NETWORK;
  }
  switch (err && err.code) {
    case 'CONTENT_REJECTED':
      return TEXT.CONTENT_REJECTED;
    case 'INVALID_TRANSITION':
      return role === 'mentor' ? TEXT.NOT_YOURS_NOW : TEXT.CLOSED;
    case 'ALREADY_RATED':
      return '您已经评价过了。';
    default:
      return (err && err.status && err.message) || TEXT.FAILED_SEND;
  }
}

const pictures = (images) => (images || []).map((im) => ({ id: im.id, url: fileViewer.absoluteUrl(im.url) })).filter((p) => p.url);

Page({
  behaviors: [uploadListBehavior],

  data: {
    status: 'loading',
    errorMessage: '',
    emptyText: TEXT.NO_ID,
    c: null,
    role: '',
    messages: [],
    reply: '',
    count: 0,
    max: MAX,
    files: [],
    canAdd: true,
    sending: false,
    sendError: '',
    closing: false,
    summary: '',
    stars: 0,
    starList: [1, 2, 3, 4, 5],
    comment: '',
    rateError: '',
    removeVisible: false,
  },

  onLoad(query) {
    this.consultId = query && query.id ? String(query.id) : '';
    this.uploads = createUploadList();
    return this.load(true);
  },

  load(showLoading) {
    if (!/^[0-9]+$/.test(this.consultId)) {
      this.setData({ status: 'empty', emptyText: TEXT.NO_ID });
      return Promise.resolve();
    }
    if (showLoading) {
      this.setData({ status: 'loading', errorMessage: '' });
    }
    return consultationsApi.getConsultation(this.consultId, { silent: true }).then(
      (c) => this.show(c),
      (err) => {
        if (err && err.code === 'NOT_FOUND') {
          this.setData({ status: 'empty', emptyText: TEXT.NOT_FOUND });
          return;
        }
        if (this.data.status !== 'ready') {
          this.setData({ status: 'error', errorMessage: (err && err.status ? err.message : '') || TEXT.FAILED });
        }
      },
    );
  },

  show(c) {
    const role = c.role || this.data.role || 'asker';
    const askerName = (c.asker && c.asker.name) || '提问人';
    const mentorName = c.mentor_name ? `导师 ${c.mentor_name}` : '导师';
    const who = (author) => {
      if (author === role) {
        return '我';
      }
      return author === 'mentor' ? mentorName : askerName;
    };
    const asker = role === 'mentor' && c.asker ? {
      name: askerName,
      lines: [
        c.asker.township,
        RETURNEE_STATUS[c.asker.returnee_status] || '',
        INTENTION[c.asker.intention] || '',
      ].filter(Boolean).join(' · '),
    } : null;
    const closed = c.status === 'closed';
    this.setData({
      status: 'ready',
      role,
      c: {
        id: c.id,
        question: c.question || '',
        images: pictures(c.images),
        mentor: c.mentor_name ? `导师：${c.mentor_name}` : '正在安排导师，安排好后会在“消息”里告诉您',
        status: c.status,
        statusText: view.CONSULTATION_STATUS[c.status] || c.status || '',
        time: view.shortDateTime(c.created_at),
        summary: c.summary || '',
        rated: !!c.stars,
        ratedText: view.starsText(c.stars),
        comment: c.comment || '',
      },
      asker,
      messages: c.messages.map((m) => ({
        id: m.id,
        mine: m.author === role,
        who: who(m.author),
        text: m.text || '',
        images: pictures(m.images),
        time: view.shortDateTime(m.created_at),
      })),
      canReply: !closed && (role === 'asker' || c.status === 'assigned' || c.status === 'answered'),
      canClose: !closed,
      canRate: role === 'asker' && closed && !!c.mentor_id && !c.stars,
    });
  },

  onRetry() {
    return this.load(true);
  },

  onPreview(e) {
    const { url, group } = e.currentTarget.dataset;
    let urls = [];
    if (group === 'question') {
      urls = this.data.c.images.map((p) => p.url);
    } else {
      const m = this.data.messages.find((x) => String(x.id) === String(group));
      urls = m ? m.images.map((p) => p.url) : [url];
    }
    fileViewer.previewImages(urls, url);
  },

  // ---- the reply -------------------------------------------------------------------

  onReply(e) {
    const value = String((e && e.detail && e.detail.value) || '');
    this.setData({ reply: value, count: charCount(value) });
  },

  uploadsChanged() {
    this.refreshFiles();
  },

  refreshFiles() {
    this.setData({ files: this.uploads.items.map(fileView), canAdd: this.uploads.items.length < MAX_FILES });
  },

  onChoosePhoto() {
    const room = MAX_FILES - this.uploads.items.length;
    if (room <= 0) {
      return Promise.resolve();
    }
    return pickPhotos(room).then((files) => Promise.all(files.slice(0, room).map((file) => this.send(this.uploads.add(KIND, file)))));
  },

  send(item) {
    this.setData({ sendError: '' });
    return runUpload(this.uploads, item, { onChange: () => this.refreshFiles() });
  },

  onOpenUpload(e) {
    const item = this.uploads.find(e.currentTarget.dataset.key);
    if (item) {
      const src = (u) => u.localPath || u.url;
      fileViewer.previewImages(this.uploads.items.map(src).filter(Boolean), src(item));
    }
  },

  onSend() {
    if (this.data.sending) {
      return Promise.resolve();
    }
    const text = this.data.reply.trim();
    let sendError = '';
    if (!text && !this.uploads.items.length) {
      sendError = TEXT.EMPTY_REPLY;
    } else if (charCount(text) > MAX) {
      sendError = TEXT.REPLY_LONG;
    } else if (this.uploads.uploading()) {
      sendError = TEXT.UPLOADING;
    } else if (this.uploads.failed()) {
      sendError = TEXT.UPLOAD_FAILED;
    }
    if (sendError) {
      this.setData({ sendError });
      return Promise.resolve();
    }
    this.setData({ sending: true, sendError: '' });
    return consultationsApi.sendMessage(this.consultId, { text, images: this.uploads.ids() }, { silent: true }).then(
      (c) => {
        this.uploads = createUploadList();
        this.setData({
          sending: false, reply: '', count: 0, files: [], canAdd: true,
        });
        this.show(c);
      },
      (err) => {
        this.setData({ sending: false, sendError: problemOf(err, this.data.role) });
        if (err && err.code === 'INVALID_TRANSITION') {
          return this.load(false);
        }
        return undefined;
      },
    );
  },

  // ---- close and rate ----------------------------------------------------------------

  onStartClose() {
    if (this.data.role === 'mentor') {
      this.setData({ closing: true });
      return;
    }
    wx.showModal({
      title: '结束这次问诊？',
      content: '结束后不能再发消息，可以给导师打分。',
      confirmText: '结束',
      cancelText: '不结束',
      success: (res) => {
        if (res && res.confirm) {
          this.doClose();
        }
      },
    });
  },

  onStopClose() {
    this.setData({ closing: false });
  },

  onSummary(e) {
    this.setData({ summary: String((e && e.detail && e.detail.value) || '') });
  },

  doClose() {
    const summary = this.data.role === 'mentor' ? this.data.summary.trim() : '';
    if (charCount(summary) > consultationsApi.SUMMARY_MAX) {
      this.setData({ sendError: TEXT.SUMMARY_LONG });
      return Promise.resolve();
    }
    this.setData({ sending: true, sendError: '' });
    return consultationsApi.closeConsultation(this.consultId, summary, { silent: true }).then(
      (c) => {
        this.setData({ sending: false, closing: false });
        this.show(c);
      },
      (err) => {
        this.setData({ sending: false, sendError: problemOf(err, this.data.role) });
        return err && err.code === 'INVALID_TRANSITION' ? this.load(false) : undefined;
      },
    );
  },

  onStar(e) {
    this.setData({ stars: Number(e.currentTarget.dataset.n) || 0, rateError: '' });
  },

  onComment(e) {
    this.setData({ comment: String((e && e.detail && e.detail.value) || '') });
  },

  onRate() {
    if (this.data.sending) {
      return Promise.resolve();
    }
    if (!this.data.stars) {
      this.setData({ rateError: TEXT.RATE_PICK });
      return Promise.resolve();
    }
    if (charCount(this.data.comment.trim()) > consultationsApi.COMMENT_MAX) {
      this.setData({ rateError: TEXT.COMMENT_LONG });
      return Promise.resolve();
    }
    this.setData({ sending: true, rateError: '' });
    return consultationsApi.rateConsultation(this.consultId, this.data.stars, this.data.comment, { silent: true }).then(
      (c) => {
        this.setData({ sending: false });
        this.show(c);
        wx.showToast({ title: '谢谢您的评价', icon: 'none' });
      },
      (err) => this.setData({ sending: false, rateError: problemOf(err, this.data.role) }),
    );
  },
});
