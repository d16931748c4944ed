/**
 * 消息: the inbox, newest first. Tapping a message marks it read and opens
 * the page it links to (an application's detail, usually). Tapping an
 * unread progress message is also the moment to ask — from that tap, as
 * WeChat requires — whether to keep receiving progress in WeChat.
 */
const messagesApi = require('../../api/messages');
const applicationsApi = require('../../api/applications');
const { messageUrl } = require('../../lib/application-view');
const { formatBeijingDateTime } = require('../../lib/datetime');
const subscribe = require('../../lib/subscribe');

const TEXT = {
  LOAD_FAILED: '加载失败，请检查网络后重试',
  MORE_FAILED: '没加载出来，请再往上滑一次',
};

// The tab bar's pages (app.json "tabBar"): wx.navigateTo cannot open them,
// wx.switchTab must (and takes no query).
const TAB_PAGES = ['pages/index/index', 'pages/services/services', 'pages/messages/messages', 'pages/mine/mine'];

/** Opens a page of ours: switchTab for a tab page, else navigateTo (switchTab if WeChat says it is one). */
function openPage(url) {
  const path = url.replace(/^\/+/, '').split('?')[0];
  if (TAB_PAGES.indexOf(path) >= 0) {
    wx.switchTab({ url: `/${path}` });
    return;
  }
  wx.navigateTo({
    url,
    fail: (err) => {
      if (/tab ?bar/i.test((err && err.errMsg) || '')) {
        wx.switchTab({ url: `/${path}` });
      }
    },
  });
}

function messageView(m) {
  return {
    id: m.id,
    title: m.title || '',
    body: m.body || '',
    time: formatBeijingDateTime(m.created_at),
    unread: !m.read_at && m.read !== true,
    url: messageUrl(m),
  };
}

Page({
  data: {
    // loading | error | ready
    status: 'loading',
    errorMessage: '',
    items: [],
    unread: 0,
    page: 1,
    hasMore: false,
    loadingMore: false,
  },

  onShow() {
    this.load();
    // The subscribe template, for the consent prompt; quietly from cache if offline.
    this.templateId = applicationsApi.cachedTemplateId();
    if (!this.templateId) {
      applicationsApi.getPolicies().then((body) => {
        this.templateId = body.subscribe_template_id || '';
      }, () => {});
    }
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
    return messagesApi.getMessages(1, { silent: true }).then(
      (body) => {
        const items = body.items.map(messageView);
        this.setData({
          status: 'ready',
          items,
          unread: body.unread,
          page: 1,
          hasMore: this.hasMore(body, items.length),
        });
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

  hasMore(body, shown) {
    if (typeof body.total === 'number') {
      return shown < body.total;
    }
    return body.items.length >= 20;
  },

  onReachBottom() {
    if (!this.data.hasMore || this.data.loadingMore) {
      return Promise.resolve();
    }
    const next = this.data.page + 1;
    this.setData({ loadingMore: true });
    return messagesApi.getMessages(next, { silent: true }).then(
      (body) => {
        const known = {};
        this.data.items.forEach((m) => {
          known[m.id] = true;
        });
        const items = this.data.items.concat(body.items.map(messageView).filter((m) => !known[m.id]));
        this.setData({
          items,
          unread: body.unread,
          page: next,
          loadingMore: false,
          hasMore: body.items.length > 0 && this.hasMore(body, items.length),
        });
      },
      () => {
        this.setData({ loadingMore: false });
        wx.showToast({ title: TEXT.MORE_FAILED, icon: 'none' });
      },
    );
  },

  onRetry() {
    return this.load();
  },

  onOpen(e) {
    const id = e.currentTarget.dataset.id;
    const index = this.data.items.findIndex((m) => String(m.id) === String(id));
    if (index < 0) {
      return Promise.resolve();
    }
    const item = this.data.items[index];
    let consent = Promise.resolve();
    if (item.unread && this.templateId && /pages\/application\/application/.test(item.url)) {
      // First, synchronously in the tap: ask for the next progress notices.
      consent = subscribe.askConsent(this.templateId);
    }
    if (item.unread) {
      this.setData({
        [`items[${index}].unread`]: false,
        unread: Math.max(0, this.data.unread - 1),
      });
      // Best effort: the message is shown read either way.
      messagesApi.markRead(item.id, { silent: true }).catch(() => {});
    }
    return consent.then(() => {
      if (item.url) {
        openPage(item.url);
      }
    });
  },
});
