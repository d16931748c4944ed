/**
 * 我的预约 (pages/appointments/appointments): my appointments with mentors,
 * the latest first: mentor, time (Beijing), how, status in plain words.
 * Tap → pages/appointments/detail?id=. Empty (with 找导师), error with 重试,
 * pull-down refresh; quietly reloaded when coming back from a detail.
 */
const mentorsApi = require('../../api/mentors');
const { appointmentCard } = require('../../lib/mentor-view');

const TEXT = {
  EMPTY: '还没有预约过导师',
  FAILED: '没能加载我的预约。请检查手机是否连上网络，再点“重试”。',
};

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
    return mentorsApi.getMyAppointments({ silent: true }).then(
      (body) => {
        this.loadedOnce = true;
        const items = body.items.map(appointmentCard);
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
      wx.navigateTo({ url: `/pages/appointments/detail?id=${encodeURIComponent(String(id))}` });
    }
  },

  onFind() {
    wx.navigateTo({ url: '/pages/mentors/mentors' });
  },
});
