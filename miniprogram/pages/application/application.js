/**
 * 申请详情 (?id=<id>): status and what it means, the details with the
 * reviewers' comments next to the fields they concern, the attachments
 * (pictures previewed, PDFs downloaded and opened; their short-lived links
 * renewed through GET /api/v1/uploads/{id} first), the disbursement, the
 * way through review (t-steps) and the timeline (newest first).
 * 修改并重新提交 opens the form in edit mode; 撤回 asks first (t-dialog) and
 * sends the version it showed.
 */
const applicationsApi = require('../../api/applications');
const http = require('../../api/request');
const uploadsApi = require('../../api/uploads');
const view = require('../../lib/application-view');
const subscribe = require('../../lib/subscribe');
const viewer = require('../../lib/file-viewer');

const TEXT = {
  LOAD_FAILED: '没能打开这份申请。请检查手机是否连上网络，再点“重新加载”',
  WITHDRAWN: '已撤回',
  STALE: '申请刚刚有变化，已为您刷新，请再看一下',
  CANNOT_WITHDRAW: '审核已经开始，不能撤回了',
  CONSENT_ACCEPTED: '好的，有新进度会在微信里通知您',
};

const KIND_LABELS = {
  business_licence: '营业执照',
  id_front: '身份证人像面',
  id_back: '身份证国徽面',
  other: '其他材料',
};

function attachmentViews(app, policy) {
  const labels = Object.assign({}, KIND_LABELS);
  ((policy && policy.materials) || []).forEach((m) => {
    labels[m.kind] = m.label;
  });
  return (app.attachments || []).map((a, index) => ({
    key: `a${index}`,
    id: a.id,
    kindLabel: labels[a.kind] || a.kind || '材料',
    name: a.name || '',
    isPdf: uploadsApi.isPdf(a),
    isImage: !uploadsApi.isPdf(a) && uploadsApi.isImage(a),
    url: a.url || '',
    url_expires_at: a.url_expires_at || '',
    src: viewer.absoluteUrl(a.url),
  }));
}

Page({
  data: {
    // loading | error | ready
    status: 'loading',
    errorMessage: '',
    app: null,
    name: '',
    statusLabel: '',
    tone: 'grey',
    note: '',
    rows: [],
    returnNote: null,
    otherComments: [],
    attachments: [],
    disbursement: null,
    steps: null,
    timeline: [],
    editable: false,
    canWithdraw: false,
    withdrawing: false,
    withdrawVisible: false,
    canSubscribe: false,
    consent: 'none',
  },

  onLoad(query) {
    this.id = (query && query.id) || '';
  },

  // Loaded on every show: coming back from 修改 shows the new status.
  onShow() {
    this.load();
  },

  onPullDownRefresh() {
    const stop = () => {
      if (typeof wx.stopPullDownRefresh === 'function') {
        wx.stopPullDownRefresh();
      }
    };
    this.load().then(stop, stop);
  },

  load() {
    if (this.data.status !== 'ready') {
      this.setData({ status: 'loading', errorMessage: '' });
    }
    const policies = applicationsApi.getPolicies().catch(() => null);
    return Promise.all([applicationsApi.getApplication(this.id, { silent: true }), policies]).then(
      ([app, pol]) => {
        this.templateId = (pol && pol.subscribe_template_id) || applicationsApi.cachedTemplateId();
        this.policies = (pol && pol.items) || [];
        this.show(app);
      },
      (err) => {
        if (this.data.status === 'ready') {
          wx.showToast({ title: (err && err.message) || TEXT.LOAD_FAILED, icon: 'none' });
          return;
        }
        const message = err && !http.isNetworkError(err) && err.message;
        this.setData({ status: 'error', errorMessage: message || TEXT.LOAD_FAILED });
      },
    );
  },

  show(app) {
    this.app = app;
    const policy = (this.policies || []).find((p) => p.code === app.policy) || null;
    const ret = view.lastReturn(app);
    const comments = ret ? ret.fieldComments : {};
    const rows = view.detailRows(app, comments, policy);
    subscribe.markSeen(app.id, app.status);
    this.setData({
      status: 'ready',
      app: { id: app.id, status: app.status },
      name: view.policyName(app, this.policies),
      statusLabel: view.statusLabel(app.status),
      tone: view.statusTone(app.status),
      note: view.statusNote(app.status),
      rows,
      returnNote: ret ? { comment: ret.comment, actor: ret.actor, time: ret.time } : null,
      otherComments: view.otherComments(comments, rows),
      attachments: attachmentViews(app, policy),
      disbursement: view.disbursementView(app),
      steps: view.reviewSteps(app.status),
      timeline: view.timelineView(app.timeline),
      editable: view.isEditable(app.status),
      canWithdraw: view.canWithdraw(app.status),
      canSubscribe: !!this.templateId && subscribe.expectsNews(app.status),
    });
  },

  onRetry() {
    return this.load();
  },

  onEdit() {
    wx.navigateTo({ url: `/pages/apply/apply?id=${encodeURIComponent(this.id)}` });
  },

  /** 撤回申请 asks first in a t-dialog. */
  onWithdraw() {
    if (this.data.withdrawing || !this.app) {
      return;
    }
    this.setData({ withdrawVisible: true });
  },

  onWithdrawCancel() {
    this.setData({ withdrawVisible: false });
  },

  onWithdrawConfirm() {
    this.setData({ withdrawVisible: false });
    return this.doWithdraw();
  },

  doWithdraw() {
    this.setData({ withdrawing: true });
    return applicationsApi.withdrawApplication(this.app.id, this.app.version, { silent: true }).then(
      (app) => {
        this.setData({ withdrawing: false });
        wx.showToast({ title: TEXT.WITHDRAWN, icon: 'success' });
        if (app && app.status) {
          // Show the new status at once; the reload brings the full timeline.
          this.show(Object.assign({}, this.app, app));
        }
        return this.load();
      },
      (err) => {
        this.setData({ withdrawing: false });
        let message = err.message;
        if (err.code === 'STALE_VERSION') {
          message = TEXT.STALE;
        } else if (err.code === 'INVALID_TRANSITION') {
          message = TEXT.CANNOT_WITHDRAW;
        }
        wx.showToast({ title: message || TEXT.LOAD_FAILED, icon: 'none', duration: 3000 });
        if (err.code === 'STALE_VERSION' || err.code === 'INVALID_TRANSITION') {
          return this.load();
        }
        return undefined;
      },
    );
  },

  /** Keeps renewed links, so the next tap needs no new request. */
  keepLinks(fresh) {
    const byId = {};
    fresh.forEach((f) => {
      byId[f.id] = f;
    });
    const attachments = this.data.attachments.map((a) => (byId[a.id]
      ? Object.assign({}, a, { url: byId[a.id].url, url_expires_at: byId[a.id].url_expires_at, src: viewer.absoluteUrl(byId[a.id].url) })
      : a));
    this.setData({ attachments });
  },

  onOpenAttachment(e) {
    const item = this.data.attachments.find((a) => a.key === e.currentTarget.dataset.key);
    if (!item) {
      return Promise.resolve();
    }
    if (item.isPdf) {
      return viewer.openAttachmentPdf(item).then(({ result, item: used }) => {
        this.keepLinks([used]);
        if (result === 'expired') {
          // Still refused: the whole page is loaded again with fresh links.
          return this.load();
        }
        return undefined;
      });
    }
    const images = this.data.attachments.filter((a) => !a.isPdf);
    return viewer.freshLinks(images).then((fresh) => {
      this.keepLinks(fresh);
      const current = fresh[images.indexOf(item)] || item;
      viewer.previewImages(fresh.map((a) => a.url), current.url);
    });
  },

  /** Must run straight from the tap: WeChat requires the user gesture. */
  onSubscribe() {
    this.setData({ consent: 'asked' });
    return subscribe.askConsent(this.templateId).then((accepted) => {
      const ok = accepted.length > 0;
      this.setData({ consent: ok ? 'accepted' : 'declined' });
      if (ok) {
        wx.showToast({ title: TEXT.CONSENT_ACCEPTED, icon: 'none' });
      }
    });
  },
});
