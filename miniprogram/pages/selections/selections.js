/**
 * 评选 (pages/selections/selections): the yearly selections (示范企业,
 * 优秀创业者, 杰出校友). One taking self-nominations shows its window and
 * 我要自荐 (pages/selections/nominate?id=); a published one shows its
 * 入选名单 (name, township, the statement folded to a few lines, tap to
 * unfold). Empty, error with 重试, pull-down refresh.
 */
const selectionsApi = require('../../api/selections');

const TEXT = {
  EMPTY: '暂时没有评选',
  FAILED: '没能加载评选。请检查手机是否连上网络，再点“重试”。',
  REFRESH_FAILED: '刷新没成功，请稍后再拉一下',
};

/** What one card shows. */
function cardView(s) {
  const open = s.nominations_open === true;
  const published = s.status === 'published';
  return {
    id: s.id,
    title: s.title || '',
    kindName: s.kind_name || '',
    year: s.year ? `${s.year}年` : '',
    department: s.department || '',
    open,
    windowText: s.opens_on && s.closes_on ? `推荐时间 ${s.opens_on} 至 ${s.closes_on}` : '',
    published,
    winners: published ? (s.winners || []).map((w, i) => ({
      key: `${s.id}-${i}`,
      name: (w && w.name) || '',
      township: (w && w.township) || '',
      statement: (w && w.statement) || '',
    })) : [],
  };
}

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    emptyText: TEXT.EMPTY,
    items: [],
    // winner key → unfolded
    unfolded: {},
  },

  onLoad() {
    return this.load(true);
  },

  /** Back from 我要自荐: the list may have changed (quietly). */
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
    return selectionsApi.getSelections({ silent: true }).then(
      (body) => {
        this.loadedOnce = true;
        const items = body.items.map(cardView);
        this.setData({ status: items.length ? 'ready' : 'empty', items });
      },
      (err) => {
        if (this.data.status === 'ready') {
          wx.showToast({ title: TEXT.REFRESH_FAILED, icon: 'none' });
          return;
        }
        this.setData({ status: 'error', errorMessage: (err && err.status ? err.message : '') || TEXT.FAILED });
      },
    );
  },

  onPullDownRefresh() {
    const stop = () => wx.stopPullDownRefresh && wx.stopPullDownRefresh();
    return this.load(false).then(stop, stop);
  },

  onRetry() {
    return this.load(true);
  },

  onNominate(e) {
    const id = e && e.currentTarget && e.currentTarget.dataset ? e.currentTarget.dataset.id : '';
    if (id !== undefined && id !== '') {
      wx.navigateTo({ url: `/pages/selections/nominate?id=${encodeURIComponent(String(id))}` });
    }
  },

  onToggleStatement(e) {
    const key = e && e.currentTarget && e.currentTarget.dataset ? e.currentTarget.dataset.key : '';
    if (key) {
      this.setData({ [`unfolded.${key}`]: !this.data.unfolded[key] });
    }
  },
});
