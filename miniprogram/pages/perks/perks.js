/**
 * 积分兑换: the perks catalogue by category, and redemption.
 *
 * A tap asks for confirmation (points price, balance after), then POSTs
 * with an Idempotency-Key kept in storage (lib/redeem-keys.js) until an
 * answer arrives: after a network failure, 重试 (even after the app was
 * closed) resends the same key and cannot redeem twice.
 */
const pointsApi = require('../../api/points');
const http = require('../../api/request');
const view = require('../../lib/points-view');
const redeemKeys = require('../../lib/redeem-keys');
const listBehavior = require('../../lib/list-behavior');

const ALL = 'all';

const TEXT = {
  UNKNOWN: '网络不好，还不知道兑换成功没有。请到信号好的地方点“重试”，不会重复扣积分。',
};

Page({
  behaviors: [listBehavior],

  data: {
    balance: null,
    balanceText: '',
    registered: true,
    categories: [],
    category: ALL,
    perks: [],
    shown: [],
    // Redemptions waiting for an answer: [{perk_id, perk_name}].
    pending: [],
    redeeming: null,
    cardErrors: {},
  },

  onLoad() {
    this.listSetup(() => this.fetchCatalogue());
    this.listReload();
  },

  onShow() {
    this.setData({ pending: redeemKeys.allPending() });
  },

  onPullDownRefresh() {
    return this.listRefresh();
  },

  /** The catalogue (one page for the list behaviour) with my balance, if I have one. */
  fetchCatalogue() {
    const summary = pointsApi.getMyPoints({ silent: true }).then(
      (s) => ({ balance: s.balance, registered: true }),
      (err) => ({ balance: null, registered: !(err && err.code === 'NOT_REGISTERED') }),
    );
    return Promise.all([pointsApi.getPerks({ silent: true }), summary]).then(([perks, me]) => {
      this.rawPerks = perks;
      this.setData({
        balance: me.balance,
        balanceText: me.balance === null ? '' : view.num(me.balance),
        registered: me.registered,
        pending: redeemKeys.allPending(),
      });
      this.showPerks();
      return { items: this.data.perks, hasMore: false };
    });
  },

  showPerks() {
    const perks = (this.rawPerks || []).map((p) => view.perkView(p, this.data.balance));
    const present = {};
    perks.forEach((p) => {
      present[p.category] = true;
    });
    const categories = [{ code: ALL, label: '全部' }]
      .concat(view.CATEGORIES.filter((c) => present[c.code]));
    const category = categories.some((c) => c.code === this.data.category) ? this.data.category : ALL;
    this.setData({
      perks,
      categories,
      category,
      shown: perks.filter((p) => category === ALL || p.category === category),
    });
  },

  onRetry() {
    return this.listReload();
  },

  onCategory(e) {
    const category = e.currentTarget.dataset.code;
    this.setData({
      category,
      shown: this.data.perks.filter((p) => category === ALL || p.category === category),
    });
  },

  onPreview(e) {
    const url = e.currentTarget.dataset.url;
    if (url) {
      wx.previewImage({ urls: [url], current: url });
    }
  },

  /** 兑换 on a card: confirm with the price and the balance after, then redeem. */
  onRedeem(e) {
    const id = e.currentTarget.dataset.id;
    const perk = this.data.perks.find((p) => String(p.id) === String(id));
    if (!perk || this.data.redeeming) {
      return Promise.resolve();
    }
    if (!this.data.registered) {
      this.askRegister(view.REDEEM_ERRORS.NOT_REGISTERED);
      return Promise.resolve();
    }
    const waiting = redeemKeys.pendingFor(perk.id);
    const { balance } = this.data;
    let content;
    if (waiting) {
      content = `上次兑换「${perk.name}」还没有收到结果，现在重试？重试不会重复扣积分。`;
    } else if (balance === null) {
      content = `兑换「${perk.name}」需要 ${perk.priceText} 积分。`;
    } else {
      content = `兑换「${perk.name}」需要 ${perk.priceText} 积分，兑换后剩余 ${view.num(balance - perk.price)} 积分。`;
    }
    return new Promise((resolve) => {
      wx.showModal({
        title: waiting ? '重试兑换' : '确认兑换',
        content,
        confirmText: waiting ? '重试' : '兑换',
        cancelText: '再想想',
        success: (res) => {
          if (res && res.confirm) {
            this.redeem({ id: perk.id, name: perk.name }).then(resolve, resolve);
          } else {
            resolve();
          }
        },
        fail: () => resolve(),
      });
    });
  },

  /** 重试 on a redemption waiting for an answer (the perk may no longer be listed). */
  onRetryPending(e) {
    const id = e.currentTarget.dataset.id;
    const waiting = redeemKeys.pendingFor(id);
    if (!waiting || this.data.redeeming) {
      return Promise.resolve();
    }
    return this.redeem({ id: waiting.perk_id, name: waiting.perk_name });
  },

  redeem(perk) {
    const key = redeemKeys.keyFor(perk);
    this.setData({
      redeeming: perk.id,
      [`cardErrors.${perk.id}`]: '',
      pending: redeemKeys.allPending().filter((w) => String(w.perk_id) !== String(perk.id)),
    });
    return pointsApi.redeemPerk(perk.id, key, { silent: true }).then(
      (voucher) => {
        redeemKeys.settle(perk.id);
        this.setData({ redeeming: null, pending: redeemKeys.allPending() });
        this.showRedeemed(perk, voucher);
        this.listRefresh();
      },
      (err) => {
        this.setData({ redeeming: null });
        this.handleRedeemError(perk, err);
      },
    );
  },

  handleRedeemError(perk, err) {
    if (http.isNetworkError(err) || !err.status || err.status >= 500) {
      // The answer was lost: the voucher may or may not exist. Keep the key.
      this.setData({ pending: redeemKeys.allPending(), [`cardErrors.${perk.id}`]: TEXT.UNKNOWN });
      return;
    }
    // A definite answer: the next tap is a new redemption with a new key.
    redeemKeys.settle(perk.id);
    this.setData({ pending: redeemKeys.allPending() });
    const message = view.redeemErrorMessage(err);
    if (err.code === 'NOT_REGISTERED') {
      this.setData({ registered: false });
      this.askRegister(message);
      return;
    }
    this.setData({ [`cardErrors.${perk.id}`]: message });
    wx.showModal({ title: '没有兑换成功', content: message, showCancel: false, confirmText: '知道了' });
    if (err.code === 'OUT_OF_STOCK' || err.code === 'INSUFFICIENT_POINTS' || err.code === 'PERK_UNAVAILABLE') {
      this.listRefresh();
    }
  },

  showRedeemed(perk, voucher) {
    const code = view.groupCode(voucher && voucher.code);
    wx.showModal({
      title: '兑换成功',
      content: `「${perk.name}」已兑换${code ? `，券码 ${code}` : ''}。使用时在“我的券”里出示给工作人员。`,
      // At most 4 characters, or WeChat shows no dialog at all.
      confirmText: '看我的券',
      cancelText: '继续逛逛',
      success: (res) => {
        if (res && res.confirm) {
          wx.navigateTo({ url: '/pages/vouchers/vouchers' });
        }
      },
    });
  },

  askRegister(message) {
    wx.showModal({
      title: '请先登记',
      content: message,
      confirmText: '去登记',
      cancelText: '以后再说',
      success: (res) => {
        if (res && res.confirm) {
          // Points belong to a person record: for a returning worker, 返乡登记.
          wx.navigateTo({ url: '/pages/register/register' });
        }
      },
    });
  },

  onVouchers() {
    wx.navigateTo({ url: '/pages/vouchers/vouchers' });
  },
});
