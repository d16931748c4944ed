/**
 * 为您推荐: the published projects ranked for my merchant record (楚商信息), each with its
 * score and the reasons in words as tags. 感兴趣 tells the project's contact department
 * (POST /api/v1/me/matches/{id}/interest); after it the button says 已表示感兴趣 and stays
 * off. A tap on the card opens the project. Without a merchant record: a friendly prompt
 * leading to 楚商信息.
 */
const merchantsApi = require('../../api/merchants');
const http = require('../../api/request');
const { projectCard } = require('../project/view');
const { staleInfo } = require('../merchant/form');

const TEXT = {
  LOAD_FAILED: '没能加载出来。请检查手机是否连上网络，再点“重新加载”。',
  EMPTY: '暂时没有和您的意向相符的项目。把楚商信息填完整（行业、意向领域、投资金额），推荐会更准。',
  INTERESTED: '已告诉项目联系单位',
  INTEREST_FAILED: '没有发送成功，请稍后再点一次“感兴趣”。',
  INTEREST_NETWORK: '手机没有连上网络，“感兴趣”还没有发出去，请检查信号后再点一次。',
};

/** One recommendation as the page shows it. */
function matchView(m) {
  const match = m || {};
  const card = projectCard(match.project);
  const score = Number(match.score);
  return Object.assign(card, {
    score: Number.isFinite(score) ? Math.round(score) : '',
    reasons: Array.isArray(match.reasons) ? match.reasons.filter((r) => typeof r === 'string' && r) : [],
    interested: !!match.interested,
    sending: false,
    error: '',
  });
}

/** Whether an error says the user has no merchant record yet. */
function noMerchant(err) {
  const e = err || {};
  return e.code === 'NOT_REGISTERED' || e.status === 409;
}

Page({
  data: {
    // loading | error | none (no merchant record) | empty | ready
    status: 'loading',
    errorMessage: '',
    emptyText: TEXT.EMPTY,
    items: [],
    // Days since the merchant record was confirmed, when the server no longer counts it fresh.
    staleDays: 0,
  },

  onLoad() {
    this.loaded = false;
    return this.load();
  },

  // Back from 楚商信息 (a record just made or changed): ask again.
  onShow() {
    if (this.loaded && this.needsReload) {
      this.needsReload = false;
      this.load();
    }
  },

  onPullDownRefresh() {
    const stop = () => {
      if (typeof wx.stopPullDownRefresh === 'function') {
        wx.stopPullDownRefresh();
      }
    };
    return this.load().then(stop, stop);
  },

  /**
   * The merchant record and the recommendations together: no record (404 on /me/merchant) is
   * the prompt, whatever the matching route answers then; a stale record adds a line leading
   * to 楚商信息.
   */
  load() {
    if (this.data.status !== 'ready') {
      this.setData({ status: 'loading', errorMessage: '' });
    }
    const matches = merchantsApi.getMyMatches({ silent: true }).then((body) => ({ body }), (err) => ({ err }));
    return Promise.all([merchantsApi.getMyMerchant(), matches]).then(
      ([record, answer]) => {
        this.loaded = true;
        if (!record || (answer.err && noMerchant(answer.err))) {
          this.setData({ status: 'none', items: [], staleDays: 0 });
          return;
        }
        if (answer.err) {
          throw answer.err;
        }
        const items = answer.body.items.map(matchView).filter((m) => m.id);
        const stale = staleInfo(record);
        this.setData({ status: items.length ? 'ready' : 'empty', items, staleDays: stale.stale ? stale.days : 0 });
      },
    ).catch((err) => {
      this.loaded = true;
      if (this.data.status === 'ready') {
        wx.showToast({ title: '刷新没成功，请稍后再拉一下', icon: 'none' });
        return;
      }
      this.setData({ status: 'error', errorMessage: (err && err.message) || TEXT.LOAD_FAILED });
    });
  },

  onRetry() {
    return this.load();
  },

  onOpen(e) {
    const projectId = e && e.currentTarget && e.currentTarget.dataset.id;
    if (projectId) {
      wx.navigateTo({ url: `/pages/project/project?id=${projectId}` });
    }
  },

  onInterest(e) {
    const index = Number(e && e.currentTarget && e.currentTarget.dataset.index);
    const item = this.data.items[index];
    if (!item || item.interested || item.sending) {
      return Promise.resolve();
    }
    const at = `items[${index}]`;
    this.setData({ [`${at}.sending`]: true, [`${at}.error`]: '' });
    return merchantsApi.markInterest(item.id, { silent: true }).then(
      () => {
        this.setData({ [`${at}.sending`]: false, [`${at}.interested`]: true });
        wx.showToast({ title: TEXT.INTERESTED, icon: 'success' });
      },
      (err) => {
        if (err && err.status === 409) {
          this.setData({ status: 'none', items: [] });
          return;
        }
        let message = (err && err.message) || TEXT.INTEREST_FAILED;
        if (http.isNetworkError(err)) {
          message = TEXT.INTEREST_NETWORK;
        }
        this.setData({ [`${at}.sending`]: false, [`${at}.error`]: message });
      },
    );
  },

  onMerchant() {
    this.needsReload = true;
    wx.navigateTo({ url: '/pages/merchant/merchant' });
  },

  onProjects() {
    wx.navigateTo({ url: '/pages/projects/projects' });
  },
});
