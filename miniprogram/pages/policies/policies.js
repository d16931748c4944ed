/**
 * 创业扶持: the support policies as cards — amount or caps, how many times,
 * the materials to prepare and, when the user cannot apply yet, the reasons
 * in plain words with a button to fix each one. "申请" only when eligible.
 */
const applicationsApi = require('../../api/applications');
const { policyView } = require('../../lib/application-view');
const drafts = require('../../lib/application-draft');

const TEXT = {
  LOAD_FAILED: '加载失败，请检查网络后重试',
};

Page({
  data: {
    // loading | error | ready
    status: 'loading',
    errorMessage: '',
    cached: false,
    policies: [],
  },

  // Loaded on every show: after 返乡登记 the eligibility changes.
  onShow() {
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

  load() {
    if (this.data.status !== 'ready') {
      this.setData({ status: 'loading', errorMessage: '' });
    }
    return applicationsApi.getPolicies().then(
      (body) => {
        const policies = body.items.map((p) => {
          const view = policyView(p);
          view.hasDraft = !!drafts.forPolicy(p.code);
          return view;
        });
        this.setData({ status: 'ready', policies, cached: !!body.cached });
      },
      (err) => {
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

  onApply(e) {
    const { code } = e.currentTarget.dataset;
    wx.navigateTo({ url: `/pages/apply/apply?policy=${encodeURIComponent(code)}` });
  },

  onFix(e) {
    const { url } = e.currentTarget.dataset;
    if (url) {
      wx.navigateTo({ url });
    }
  },

  onMyApplications() {
    wx.navigateTo({ url: '/pages/applications/applications' });
  },
});
