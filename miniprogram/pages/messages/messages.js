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
const listBehavior = require('../../lib/list-behavior');

// The server's page size: a full page may have more after it.
const PAGE_SIZE = 20;

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
  behaviors: [listBehavior],

  data: {
    unread: 0,
  },

  onLoad() {
    this.listSetup((page) => this.fetchPage(page));
  },

  onShow() {
    // A tab page stays alive: the first show loads, the next ones refresh
    // quietly (new messages, read elsewhere).
    if (!this.shown) {
      this.shown = true;
      this.listReload();
    } else {
      this.listRefresh();
    }
    // The subscribe template, for the consent prompt; quietly from cache if offline.
    this.templateId = applicationsApi.cachedTemplateId();
    if (!this.templateId) {
      applicationsApi.getPolicies().then((body) => {
        this.templateId = body.subscribe_template_id || '';
      }, () => {});
    }
  },

  /** One page for the list behaviour: new messages may push older ones down, so repeats are skipped. */
  fetchPage(page) {
    return messagesApi.getMessages(page, { silent: true }).then((body) => {
      const known = {};
      const before = page === 1 ? [] : this.data.listItems;
      before.forEach((m) => {
        known[m.id] = true;
      });
      const items = body.items.map(messageView).filter((m) => !known[m.id]);
      const shown = before.length + items.length;
      const hasMore = typeof body.total === 'number' ? shown < body.total : body.items.length >= PAGE_SIZE;
      this.setData({ unread: body.unread });
      return { items, hasMore: body.items.length > 0 && hasMore };
    });
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

  onMoreRetry() {
    return this.listMore();
  },

  onOpen(e) {
    const id = e.currentTarget.dataset.id;
    const index = this.data.listItems.findIndex((m) => String(m.id) === String(id));
    if (index < 0) {
      return Promise.resolve();
    }
    const item = this.data.listItems[index];
    let consent = Promise.resolve();
    if (item.unread && this.templateId && /pages\/application\/application/.test(item.url)) {
      // First, synchronously in the tap: ask for the next progress notices.
      consent = subscribe.askConsent(this.templateId);
    }
    if (item.unread) {
      this.setData({
        [`listItems[${index}].unread`]: false,
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
