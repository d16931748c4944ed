const auth = require('../../api/auth');
const http = require('../../api/request');
const messagesApi = require('../../api/messages');
const { maskPhone } = require('../../lib/phone');

const TEXT = {
  PHONE_DENIED: '您已取消授权，可随时再绑定手机号',
  PHONE_NO_CODE: '请将微信升级到最新版本后再绑定手机号',
  PHONE_BOUND: '绑定成功',
  LOAD_FAILED: '加载失败，请检查网络后重试',
};

Page({
  data: {
    // loading | signedOut | signedIn | error
    status: 'loading',
    phone: '',
    errorMessage: '',
    loggingIn: false,
    binding: false,
    // Unread messages, shown as a badge on 消息 ("99+" above 99).
    unread: 0,
    unreadText: '',
  },

  onLoad() {
    this.refresh();
  },

  // Back from 消息 (or a detail page), the badge is brought up to date.
  onShow() {
    if (this.data.status === 'signedIn') {
      this.loadUnread();
    }
  },

  onPullDownRefresh() {
    const stop = () => {
      if (typeof wx.stopPullDownRefresh === 'function') {
        wx.stopPullDownRefresh();
      }
    };
    this.refresh().then(stop, stop);
  },

  refresh() {
    if (!http.getToken()) {
      this.setData({ status: 'signedOut', phone: '', errorMessage: '' });
      return Promise.resolve();
    }
    return this.loadMe();
  },

  loadMe() {
    this.setData({ status: 'loading', errorMessage: '' });
    // Silent: failures are shown inline with a retry button instead of a toast.
    return auth.getMe({ silent: true }).then(
      (me) => this.showUser(me),
      (err) => {
        if (err && err.status === 401) {
          // Session could not be renewed: back to the sign-in button.
          this.setData({ status: 'signedOut', phone: '' });
          wx.showToast({ title: err.message, icon: 'none' });
          return;
        }
        this.setData({
          status: 'error',
          errorMessage: (err && err.message) || TEXT.LOAD_FAILED,
        });
      },
    );
  },

  showUser(user) {
    this.setData({
      status: 'signedIn',
      phone: maskPhone(user && user.phone),
      errorMessage: '',
    });
    this.loadUnread();
  },

  /** Silent: without a network the badge simply stays as it was. */
  loadUnread() {
    return messagesApi.getMessages(1, { silent: true }).then(
      (body) => {
        const unread = body.unread;
        this.setData({ unread, unreadText: unread > 99 ? '99+' : String(unread) });
      },
      () => {},
    );
  },

  onRetry() {
    return this.refresh();
  },

  onLogin() {
    if (this.data.loggingIn) {
      return Promise.resolve();
    }
    this.setData({ loggingIn: true });
    // Errors are toasted by the request module; the button stays available.
    return auth.login().then(
      (user) => {
        this.setData({ loggingIn: false });
        this.showUser(user);
      },
      () => {
        this.setData({ loggingIn: false });
      },
    );
  },

  onGetPhoneNumber(e) {
    const detail = (e && e.detail) || {};
    const errMsg = typeof detail.errMsg === 'string' ? detail.errMsg : '';
    if (!/:ok$/.test(errMsg)) {
      // The user tapped "拒绝" (or the call failed): no pressure, just a hint.
      wx.showToast({ title: TEXT.PHONE_DENIED, icon: 'none' });
      return Promise.resolve();
    }
    if (!detail.code) {
      // Base library older than 2.21.2 gives no code.
      wx.showToast({ title: TEXT.PHONE_NO_CODE, icon: 'none' });
      return Promise.resolve();
    }
    if (this.data.binding) {
      return Promise.resolve();
    }
    this.setData({ binding: true });
    return auth.bindPhone(detail.code).then(
      (phone) => {
        this.setData({ binding: false, phone: maskPhone(phone) });
        wx.showToast({ title: TEXT.PHONE_BOUND, icon: 'success' });
      },
      () => {
        this.setData({ binding: false });
      },
    );
  },

  /** The service entries (返乡登记 … 消息, and the 校友之家 ones) shown after sign-in. */
  onNavigate(e) {
    const url = e && e.currentTarget && e.currentTarget.dataset.url;
    if (url) {
      wx.navigateTo({ url });
    }
  },

  onLogout() {
    wx.showModal({
      title: '退出登录',
      content: '确定要退出登录吗？',
      confirmText: '退出',
      cancelText: '取消',
      success: (res) => {
        if (res && res.confirm) {
          this.doLogout();
        }
      },
    });
  },

  doLogout() {
    const done = auth.logout();
    this.setData({ status: 'signedOut', phone: '', errorMessage: '', unread: 0, unreadText: '' });
    return done;
  },
});
