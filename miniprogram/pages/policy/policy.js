/**
 * 政策详情 (pages/policy/policy?id=<id>; notices and 政策找人 messages in 消息
 * open this path): title, 文号 and issuer, summary, each condition answered
 * for me (✓ 符合 / ✗ 不符合 / 待补充信息, with the way to 返乡登记), benefits,
 * materials, steps, the text, the contact (tap to call), 去申请 when it can
 * be applied for here, 收藏, and share to a chat. A 404 says the policy was
 * withdrawn.
 */
const libraryApi = require('../../api/library');
const view = require('../../lib/library-view');
const fileViewer = require('../../lib/file-viewer');

const TEXT = {
  WITHDRAWN: '这项政策已经撤下或不再执行了。可以在“政策”里看看其他政策。',
  FAILED: '没能打开这项政策。请检查手机是否连上网络，再点“重新加载”。',
  NO_ID: '没有找到这项政策。',
  SAVED: '已收藏',
  UNSAVED: '已取消收藏',
  FAVORITE_FAILED: '没有改成，请稍后再试',
  CALL_FAILED: '没能拨出电话，可以记下号码再打',
};

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    emptyText: TEXT.WITHDRAWN,
    policy: null,
    saving: false,
  },

  onLoad(query) {
    this.policyId = query && query.id ? String(query.id) : '';
    if (typeof wx.showShareMenu === 'function') {
      wx.showShareMenu({ menus: ['shareAppMessage'] });
    }
    return this.load(true);
  },

  load(showLoading) {
    if (!/^[0-9]+$/.test(this.policyId)) {
      this.setData({ status: 'empty', emptyText: TEXT.NO_ID });
      return Promise.resolve();
    }
    if (showLoading) {
      this.setData({ status: 'loading', errorMessage: '' });
    }
    return libraryApi.getPolicy(this.policyId, { silent: true }).then(
      (p) => {
        this.setData({ status: 'ready', policy: view.policyView(p) });
      },
      (err) => {
        if (err && err.status === 404) {
          this.setData({ status: 'empty', emptyText: TEXT.WITHDRAWN, policy: null });
          return;
        }
        if (this.data.status === 'ready') {
          wx.showToast({ title: '刷新没成功，请稍后再拉一下', icon: 'none' });
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

  onRegister() {
    wx.navigateTo({ url: '/pages/register/register' });
  },

  onOtherPolicies() {
    wx.navigateTo({ url: '/pages/library/library' });
  },

  onCall() {
    const p = this.data.policy;
    if (!p || !p.dialPhone) {
      return;
    }
    wx.makePhoneCall({
      phoneNumber: p.dialPhone,
      fail: (res) => {
        // Cancelling the call sheet is not a failure worth a word.
        if (!/cancel/.test(String(res && res.errMsg))) {
          wx.showToast({ title: TEXT.CALL_FAILED, icon: 'none' });
        }
      },
    });
  },

  /**
   * Opens a policy document (PDF). Its signed link lasts minutes: an old one
   * is renewed by reloading the policy first, and once more if the server
   * says the link is no longer good.
   */
  onOpenDocument(e) {
    const id = e && e.currentTarget && e.currentTarget.dataset ? e.currentTarget.dataset.id : '';
    const find = () => ((this.data.policy && this.data.policy.documents) || []).find((d) => d.id === id);
    const doc = find();
    if (!doc) {
      return Promise.resolve('failed');
    }
    const open = () => {
      const d = find();
      return d ? fileViewer.openPdf(d.url, { quietExpired: true }) : Promise.resolve('failed');
    };
    const fresh = fileViewer.linkExpired(doc) ? this.load(false) : Promise.resolve();
    return fresh.then(open).then((result) => {
      if (result !== 'expired') {
        return result;
      }
      return this.load(false).then(() => {
        const d = find();
        return d ? fileViewer.openPdf(d.url) : 'failed';
      });
    });
  },

  onApply() {
    const p = this.data.policy;
    if (p && p.applicationCode) {
      wx.navigateTo({ url: `/pages/apply/apply?policy=${encodeURIComponent(p.applicationCode)}` });
    }
  },

  onFavorite() {
    const p = this.data.policy;
    if (!p || this.data.saving) {
      return Promise.resolve();
    }
    const next = !p.favorite;
    this.setData({ saving: true });
    const call = next ? libraryApi.addFavorite(p.id, { silent: true }) : libraryApi.removeFavorite(p.id, { silent: true });
    return call.then(
      () => {
        this.setData({ saving: false, 'policy.favorite': next });
        wx.showToast({ title: next ? TEXT.SAVED : TEXT.UNSAVED, icon: 'none' });
      },
      (err) => {
        this.setData({ saving: false });
        if (err && err.status === 404) {
          this.setData({ status: 'empty', emptyText: TEXT.WITHDRAWN, policy: null });
          return;
        }
        wx.showToast({ title: TEXT.FAVORITE_FAILED, icon: 'none' });
      },
    );
  },

  onShareAppMessage() {
    const p = this.data.policy;
    return {
      title: p && p.title ? p.title : '咸安回乡：政策',
      path: `/pages/policy/policy?id=${encodeURIComponent(this.policyId)}`,
    };
  },
});
