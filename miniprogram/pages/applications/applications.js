/**
 * 我的申请: the user's applications with a status chip each. Opening one
 * whose status changed since it was last seen asks (from that very tap, as
 * WeChat requires) whether to be told of the next steps in WeChat.
 */
const applicationsApi = require('../../api/applications');
const view = require('../../lib/application-view');
const subscribe = require('../../lib/subscribe');
const http = require('../../api/request');

const TEXT = {
  LOAD_FAILED: '没能打开您的申请。请检查手机是否连上网络，再点“重新加载”',
};

Page({
  data: {
    // loading | error | empty | ready (<state-view>)
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
    const shown = this.data.status === 'ready' || this.data.status === 'empty';
    if (!shown) {
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
        this.setData({ status: items.length ? 'ready' : 'empty', items });
      },
      (err) => {
        const message = (err && !http.isNetworkError(err) && err.message) || TEXT.LOAD_FAILED;
        if (shown) {
          // A pull-down refresh that failed keeps what is shown.
          wx.showToast({ title: err && http.isNetworkError(err) ? http.MESSAGES.NETWORK : message, icon: 'none' });
          return;
        }
        this.setData({ status: 'error', errorMessage: message });
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
