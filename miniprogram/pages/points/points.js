/**
 * 我的积分: the balance, what expires soon and the history, page by page
 * (加载更多 or scrolling to the bottom).
 */
const pointsApi = require('../../api/points');
const view = require('../../lib/points-view');

const TEXT = {
  LOAD_FAILED: '加载失败，请检查网络后重试',
};

Page({
  data: {
    // loading | error | unregistered | ready
    status: 'loading',
    errorMessage: '',
    balance: '0',
    expiring: [],
    entries: [],
    page: 0,
    total: 0,
    hasMore: false,
    loadingMore: false,
    moreError: '',
  },

  onLoad() {
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

  onReachBottom() {
    return this.onMore();
  },

  load() {
    if (this.data.status !== 'ready') {
      this.setData({ status: 'loading', errorMessage: '' });
    }
    return Promise.all([
      pointsApi.getMyPoints({ silent: true }),
      pointsApi.getPointEntries(1, { silent: true }),
    ]).then(
      ([summary, page]) => {
        this.setData({
          status: 'ready',
          balance: view.num(summary.balance),
          expiring: view.expiringView(summary.expiring),
          entries: page.items.map(view.entryView),
          page: 1,
          total: page.total,
          hasMore: page.items.length > 0 && page.items.length < page.total,
          moreError: '',
        });
      },
      (err) => {
        if (err && err.code === 'NOT_REGISTERED') {
          this.setData({ status: 'unregistered' });
          return;
        }
        if (this.data.status === 'ready') {
          wx.showToast({ title: (err && err.message) || TEXT.LOAD_FAILED, icon: 'none' });
          return;
        }
        this.setData({ status: 'error', errorMessage: (err && err.message) || TEXT.LOAD_FAILED });
      },
    );
  },

  onRetry() {
    return this.load();
  },

  onMore() {
    if (!this.data.hasMore || this.data.loadingMore) {
      return Promise.resolve();
    }
    const next = this.data.page + 1;
    this.setData({ loadingMore: true, moreError: '' });
    return pointsApi.getPointEntries(next, { silent: true }).then(
      (page) => {
        const seen = {};
        this.data.entries.forEach((e) => {
          seen[e.id] = true;
        });
        // New entries may have pushed older ones onto this page: skip repeats.
        const added = page.items.filter((e) => !seen[e.id]).map(view.entryView);
        const entries = this.data.entries.concat(added);
        this.setData({
          entries,
          page: next,
          total: page.total,
          hasMore: page.items.length > 0 && entries.length < page.total,
          loadingMore: false,
        });
      },
      (err) => {
        this.setData({ loadingMore: false, moreError: (err && err.message) || TEXT.LOAD_FAILED });
      },
    );
  },

  // Points belong to a person record; for a returning worker that is 返乡登记.
  onRegister() {
    wx.navigateTo({ url: '/pages/register/register' });
  },

  onAlumnus() {
    wx.navigateTo({ url: '/pages/alumnus/alumnus' });
  },

  onPerks() {
    wx.navigateTo({ url: '/pages/perks/perks' });
  },
});
