/**
 * 我的申请: the user's applications with a status chip each. Opening one
 * whose status changed since it was last seen asks (from that very tap, as
 * WeChat requires) whether to be told of the next steps in WeChat.
 */
const applicationsApi = require('../../api/applications');
const view = require('../../lib/application-view');
const subscribe = require('../../lib/subscribe');

const TEXT = {
  LOAD_FAILED: '加载失败，请检查网络后重试',
};

Page({
  data: {
    // loading | error | ready
    status: 'loading',
    errorMessage: '',
    items: [],
  },

  // Loaded on every show: coming back from the detail shows fresh statuses.
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
    // The policies give the names and the subscribe template; they may fail quietly.
    const policies = applicationsApi.getPolicies().catch(() => null);
    return Promise.all([applicationsApi.listApplications({ silent: true }), policies]).then(
      ([apps, pol]) => {
        this.templateId = (pol && pol.subscribe_template_id) || applicationsApi.cachedTemplateId();
        const list = (pol && pol.items) || [];
        const items = apps.map((a) => Object.assign(view.listItemView(a, list), {
          changed: subscribe.statusChanged(a.id, a.status),
        }));
        this.setData({ status: 'ready', items });
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

  onOpen(e) {
    const id = e.currentTarget.dataset.id;
    const item = this.data.items.find((i) => String(i.id) === String(id));
    const url = `/pages/application/application?id=${encodeURIComponent(id)}`;
    if (item && item.changed && this.templateId && subscribe.expectsNews(item.status)) {
      // Called synchronously from the tap: WeChat requires the user gesture.
      return subscribe.askConsent(this.templateId).then(() => {
        wx.navigateTo({ url });
      });
    }
    wx.navigateTo({ url });
    return Promise.resolve();
  },

  onPolicies() {
    wx.navigateTo({ url: '/pages/policies/policies' });
  },
});
