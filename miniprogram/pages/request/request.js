/**
 * 诉求详情 (pages/request/request?id=N): the page every inbox message about a
 * request opens. The category, status (超期 marked), the text with its photos
 * (tap for the large view), the township, the department and its due date,
 * the department's latest reply, and the timeline (办理过程: each step, when,
 * the note).
 *
 * - A closed request not yet rated: 满意 / 基本满意 / 不满意 (once per close).
 * - A closed request never reopened: 重新办理 with a reason (once ever;
 *   asked to confirm) — it goes back to the same department.
 */
const requestsApi = require('../../api/requests');
const http = require('../../api/request');
const fileViewer = require('../../lib/file-viewer');
const { charCount } = require('../../lib/validate');
const { shortDateTime } = require('../../lib/mentor-view');

const TEXT = {
  NO_ID: '没有找到这条诉求。',
  NOT_FOUND: '没有找到这条诉求，可能不是您的。',
  FAILED: '没能打开这条诉求。请检查手机是否连上网络，再点“重试”。',
  REASON_EMPTY: '请写上为什么要重新办理',
  REASON_LONG: `理由最多${requestsApi.REASON_MAX}字`,
  ALREADY_RATED: '您已经评价过了。',
  ALREADY_REOPENED: '每条诉求只能重新办理一次，您已经用过了。',
  CHANGED: '诉求的状态变了，请下拉刷新看看。',
  CONTENT_REJECTED: '理由里有不能发送的内容，没有提交。您写的字还在，请修改后再提交。',
  NETWORK: '手机没有连上网络，没有提交成功，请检查信号后再试。',
  SEND_FAILED: '没有提交成功，请稍后再试',
  RATED: '谢谢您的评价',
  REOPENED: '已重新提交办理',
};

const STATUS = {
  submitted: '等待交办', assigned: '部门办理中', replied: '部门已答复', closed: '已办结',
};

function problemOf(err) {
  if (http.isNetworkError(err)) {
    return TEXT.NETWORK;
  }
  switch (err && err.code) {
    case 'CONTENT_REJECTED':
      return TEXT.CONTENT_REJECTED;
    case 'ALREADY_RATED':
      return TEXT.ALREADY_RATED;
    case 'ALREADY_REOPENED':
      return TEXT.ALREADY_REOPENED;
    case 'INVALID_TRANSITION':
      return TEXT.CHANGED;
    default:
      return (err && err.status && err.message) || TEXT.SEND_FAILED;
  }
}

function beijingDate(iso) {
  const t = Date.parse(iso || '');
  if (Number.isNaN(t)) {
    return '';
  }
  const d = new Date(t + 8 * 3600 * 1000);
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
}

function viewOf(r) {
  return {
    id: r.id,
    category: r.category_name || r.category || '',
    text: r.text || '',
    images: (r.images || []).map((im) => ({ id: im.id, url: fileViewer.absoluteUrl(im.url) })).filter((p) => p.url),
    township: r.township || '',
    status: r.overdue ? 'overdue' : r.status,
    statusText: r.overdue ? '已超期，正在催办' : (STATUS[r.status] || r.status_name || r.status || ''),
    department: r.department || '',
    due: beijingDate(r.due_at),
    reply: r.reply || '',
    ratingName: r.rating_name || '',
    reopened: !!r.reopened,
    canRate: !!r.can_rate,
    canReopen: !!r.can_reopen,
    created: shortDateTime(r.created_at),
    events: (r.events || []).map((ev) => ({
      id: ev.id,
      title: ev.action_name || ev.action || '',
      who: ev.actor_type === 'user' ? '您' : (ev.department || '工作人员'),
      time: shortDateTime(ev.created_at),
      due: ev.due_at ? `办理期限 ${beijingDate(ev.due_at)}` : '',
      note: ev.note || '',
    })),
  };
}

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    emptyText: TEXT.NO_ID,
    r: null,
    ratings: requestsApi.RATINGS,
    rating: '',
    acting: false,
    actError: '',
    reason: '',
    reasonCount: 0,
    reasonMax: requestsApi.REASON_MAX,
    reopenVisible: false,
  },

  onLoad(query) {
    this.requestId = query && query.id ? String(query.id) : '';
    return this.load(true);
  },

  load(showLoading) {
    if (!/^[0-9]+$/.test(this.requestId)) {
      this.setData({ status: 'empty', emptyText: TEXT.NO_ID });
      return Promise.resolve();
    }
    if (showLoading) {
      this.setData({ status: 'loading', errorMessage: '' });
    }
    return requestsApi.getRequest(this.requestId, { silent: true }).then(
      (r) => this.setData({ status: 'ready', r: viewOf(r) }),
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

  onRetry() {
    return this.load(true);
  },

  onPullDownRefresh() {
    const stop = () => wx.stopPullDownRefresh && wx.stopPullDownRefresh();
    return this.load(false).then(stop, stop);
  },

  onPhoto(e) {
    const urls = (this.data.r && this.data.r.images.map((p) => p.url)) || [];
    fileViewer.previewImages(urls, e.currentTarget.dataset.url);
  },

  onRate(e) {
    const rating = e.currentTarget.dataset.code;
    if (this.data.acting || !rating) {
      return Promise.resolve();
    }
    this.setData({ acting: true, rating, actError: '' });
    return requestsApi.rateRequest(this.requestId, rating, '', { silent: true }).then(
      (r) => {
        this.setData({ acting: false, r: viewOf(r) });
        wx.showToast({ title: TEXT.RATED, icon: 'success' });
      },
      (err) => this.setData({ acting: false, actError: problemOf(err) }),
    );
  },

  onReason(e) {
    const value = String((e && e.detail && e.detail.value) || '');
    this.setData({ reason: value, reasonCount: charCount(value) });
  },

  onReopen() {
    const reason = this.data.reason.trim();
    if (!reason) {
      this.setData({ actError: TEXT.REASON_EMPTY });
      return;
    }
    if (charCount(reason) > requestsApi.REASON_MAX) {
      this.setData({ actError: TEXT.REASON_LONG });
      return;
    }
    this.setData({ reopenVisible: true, actError: '' });
  },

  onReopenCancel() {
    this.setData({ reopenVisible: false });
  },

  onReopenConfirm() {
    if (this.data.acting) {
      return Promise.resolve();
    }
    this.setData({ reopenVisible: false, acting: true, actError: '' });
    return requestsApi.reopenRequest(this.requestId, this.data.reason.trim(), { silent: true }).then(
      (r) => {
        this.setData({ acting: false, reason: '', reasonCount: 0, r: viewOf(r) });
        wx.showToast({ title: TEXT.REOPENED, icon: 'success' });
      },
      (err) => this.setData({ acting: false, actError: problemOf(err) }),
    );
  },
});
