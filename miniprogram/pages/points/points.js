/**
 * 我的积分: the balance, what expires soon and the history, page by page
 * (加载更多 or scrolling to the bottom).
 */
const pointsApi = require('../../api/points');
const view = require('../../lib/points-view');
const listBehavior = require('../../lib/list-behavior');

Page({
  behaviors: [listBehavior],

  data: {
    unregistered: false,
    balance: '0',
    expiring: [],
    total: 0,
  },

  onLoad() {
    this.listSetup((page) => this.fetchPage(page));
    this.listReload();
  },

  /**
   * One page of the ledger for the list behaviour; the first comes with
   * the balance and what expires soon. Not registered: an empty list and
   * its own words.
   */
  fetchPage(page) {
    if (page > 1) {
      return pointsApi.getPointEntries(page, { silent: true }).then((res) => this.pageOf(res));
    }
    return Promise.all([
      pointsApi.getMyPoints({ silent: true }),
      pointsApi.getPointEntries(1, { silent: true }),
    ]).then(
      ([summary, res]) => {
        this.setData({
          unregistered: false,
          balance: view.num(summary.balance),
          expiring: view.expiringView(summary.expiring),
        });
        return this.pageOf(res);
      },
      (err) => {
        if (err && err.code === 'NOT_REGISTERED') {
          this.setData({ unregistered: true });
          return { items: [], hasMore: false };
        }
        throw err;
      },
    );
  },

  pageOf(res) {
    // New entries may have pushed older ones onto this page: skip repeats.
    const seen = {};
    const before = res.page > 1 ? this.data.listItems : [];
    before.forEach((e) => {
      seen[e.id] = true;
    });
    const items = res.items.filter((e) => !seen[e.id]).map(view.entryView);
    this.setData({ total: res.total });
    const shown = before.length + items.length;
    return { items, hasMore: res.items.length > 0 && shown < res.total };
  },

  onPullDownRefresh() {
    return this.listRefresh();
  },

  onReachBottom() {
    return this.listMore();
  },

  onRetry() {
    return this.listReload();
  },

  onMore() {
    return this.listMore();
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
