/**
 * Pull-down refresh and load-more for list pages, as a Behavior:
 *
 *   const listBehavior = require('../../lib/list-behavior');
 *   Page({
 *     behaviors: [listBehavior],
 *     onLoad() {
 *       // fetch(page) resolves with { items, hasMore }; use { silent: true }.
 *       this.listSetup((page) => api.getThings(page, { silent: true }));
 *       this.listReload();
 *     },
 *     onPullDownRefresh() { this.listRefresh(); },
 *     onReachBottom() { this.listMore(); },
 *     onRetry() { this.listReload(); },
 *   });
 *
 * Data it keeps: listItems, listStatus (loading | error | empty | ready —
 * give it to <state-view status="{{listStatus}}" message="{{listMessage}}">),
 * listMessage, listHasMore, listLoadingMore, listMoreFailed (a 再试一次 under
 * the list: bind it to listMore).
 */
const TEXT = {
  FAILED: '没能加载出来。请检查手机是否连上网络，再点“重新加载”。',
};

function stopPullDown() {
  if (typeof wx.stopPullDownRefresh === 'function') {
    wx.stopPullDownRefresh();
  }
}

module.exports = Behavior({
  data: {
    listItems: [],
    listStatus: 'loading',
    listMessage: '',
    listPage: 0,
    listHasMore: false,
    listLoadingMore: false,
    listMoreFailed: false,
  },
  methods: {
    listSetup(fetchPage) {
      this.listFetch = fetchPage;
      this.listSeq = 0;
    },

    /** First page with the loading state (onLoad, 重新加载). */
    listReload() {
      this.setData({ listStatus: 'loading', listMessage: '' });
      return this.listLoadFirst();
    },

    /** First page again, keeping what is shown until it arrives (pull-down). */
    listRefresh() {
      return this.listLoadFirst().then(stopPullDown, stopPullDown);
    },

    listLoadFirst() {
      this.listSeq += 1;
      const seq = this.listSeq;
      return this.listFetch(1).then(
        (body) => {
          if (seq !== this.listSeq) {
            return;
          }
          const items = (body && body.items) || [];
          this.setData({
            listItems: items,
            listPage: 1,
            listHasMore: !!(body && body.hasMore),
            listStatus: items.length ? 'ready' : 'empty',
            listMessage: '',
            listMoreFailed: false,
            listLoadingMore: false,
          });
        },
        (err) => {
          if (seq !== this.listSeq) {
            return;
          }
          // A refresh that fails keeps the list already shown.
          if (this.data.listStatus === 'ready') {
            wx.showToast({ title: '刷新没成功，请稍后再拉一下', icon: 'none' });
            return;
          }
          this.setData({ listStatus: 'error', listMessage: (err && err.message) || TEXT.FAILED });
        },
      );
    },

    /** The next page, once at a time, appended (onReachBottom, 再试一次). */
    listMore() {
      if (!this.data.listHasMore || this.data.listLoadingMore || this.data.listStatus !== 'ready') {
        return Promise.resolve();
      }
      const seq = this.listSeq;
      const next = this.data.listPage + 1;
      this.setData({ listLoadingMore: true, listMoreFailed: false });
      return this.listFetch(next).then(
        (body) => {
          if (seq !== this.listSeq) {
            return;
          }
          this.setData({
            listItems: this.data.listItems.concat((body && body.items) || []),
            listPage: next,
            listHasMore: !!(body && body.hasMore),
            listLoadingMore: false,
          });
        },
        () => {
          if (seq === this.listSeq) {
            this.setData({ listLoadingMore: false, listMoreFailed: true });
          }
        },
      );
    },
  },
});
