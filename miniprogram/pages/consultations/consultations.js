/**
 * 我的问诊 (pages/consultations/consultations): the questions I asked
 * mentors, the latest first: the question (two lines), the mentor (or 等待
 * 安排导师), the status in plain words. Tap → pages/consultations/detail?id=.
 * 我要提问 on top. Empty, error with 重试, pull-down refresh; quietly
 * reloaded when coming back.
 */
const consultationsApi = require('../../api/consultations');
const { CONSULTATION_STATUS, shortDateTime } = require('../../lib/mentor-view');

const TEXT = {
  EMPTY: '还没有向导师提过问题',
  FAILED: '没能加载我的问诊。请检查手机是否连上网络，再点“重试”。',
};

function card(c) {
  return {
    id: c.id,
    question: c.question || '',
    mentor: c.mentor_name ? `导师：${c.mentor_name}` : '正在安排导师',
    status: c.status,
    statusText: CONSULTATION_STATUS[c.status] || c.status || '',
    time: shortDateTime(c.created_at),
  };
}

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    emptyText: TEXT.EMPTY,
    items: [],
  },

  onLoad() {
    return this.load(true);
  },

  onShow() {
    if (this.loadedOnce) {
      return this.load(false);
    }
    return Promise.resolve();
  },

  load(showLoading) {
    if (showLoading) {
      this.setData({ status: 'loading', errorMessage: '' });
    }
    return consultationsApi.getMyConsultations({ silent: true }).then(
      (body) => {
        this.loadedOnce = true;
        const items = body.items.map(card);
        this.setData({ status: items.length ? 'ready' : 'empty', items });
      },
      (err) => {
        if (this.data.status === 'ready') {
          return;
        }
        this.setData({ status: 'error', errorMessage: (err && err.status ? err.message : '') || TEXT.FAILED });
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

  onOpen(e) {
    const id = e && e.currentTarget && e.currentTarget.dataset.id;
    if (id) {
      wx.navigateTo({ url: `/pages/consultations/detail?id=${encodeURIComponent(String(id))}` });
    }
  },

  onAsk() {
    wx.navigateTo({ url: '/pages/consultations/ask' });
  },
});
