/**
 * 我的 (tab): the bound phone (or the button to bind it), my records,
 * 我的预约 and 我的问诊 (and 导师工作台 for an active mentor),
 * 消息推送 settings, the privacy policy, and 退出登录 — which also clears every draft and
 * anything personal kept on this phone.
 */
const auth = require('../../api/auth');

const LINKS = [
  { key: 'record', title: '我的登记信息', url: '/pages/record/record' },
  { key: 'applications', title: '我的申请', url: '/pages/applications/applications' },
  { key: 'appointments', title: '我的预约', url: '/pages/appointments/appointments' },
  { key: 'consultations', title: '我的问诊', url: '/pages/consultations/consultations' },
  { key: 'requests', title: '我的诉求', url: '/pages/requests/requests' },
  { key: 'alumnus', title: '校友登记', url: '/pages/alumnus/alumnus' },
  { key: 'vouchers', title: '我的优惠券', url: '/pages/vouchers/vouchers' },
  { key: 'merchant', title: '楚商信息', url: '/pages/merchant/merchant' },
  { key: 'matches', title: '为您推荐', url: '/pages/matches/matches' },
  { key: 'notify', title: '消息推送', url: '/pages/notify-settings/notify-settings' },
  { key: 'privacy', title: '隐私保护指引', url: '/pages/privacy/privacy' },
];

// Shown only to active mentors (GET /api/v1/me says mentor: true).
const MENTOR_LINK = { key: 'mentor', title: '导师工作台', url: '/pages/mentor/mentor' };

const TEXT = {
  LOGOUT_TITLE: '退出登录',
  LOGOUT_CONTENT: '退出后，这台手机上没提交的草稿和您填过的信息都会清除。已经提交的不受影响。',
  LOGGED_OUT: '已退出，手机上的个人信息已清除',
};

Page({
  data: {
    // loading | error | ready | signedOut
    status: 'loading',
    errorMessage: '',
    phone: '',
    links: LINKS,
  },

  onLoad() {
    this.load();
  },

  load() {
    this.setData({ status: 'loading', errorMessage: '' });
    return auth.ensureSignedIn()
      .then(() => auth.getMe({ silent: true }))
      .then(
        (me) => this.setData({
          status: 'ready',
          phone: (me && me.phone) || '',
          links: me && me.mentor === true ? [MENTOR_LINK].concat(LINKS) : LINKS,
        }),
        (err) => this.setData({ status: 'error', errorMessage: (err && err.message) || '' }),
      );
  },

  onRetry() {
    return this.load();
  },

  onPhoneBound(e) {
    this.setData({ phone: e.detail.phone || '' });
  },

  onOpen(e) {
    const url = e && e.currentTarget && e.currentTarget.dataset.url;
    if (url) {
      wx.navigateTo({ url });
    }
  },

  onLogout() {
    wx.showModal({
      title: TEXT.LOGOUT_TITLE,
      content: TEXT.LOGOUT_CONTENT,
      confirmText: '退出',
      cancelText: '不退出',
      success: (res) => {
        if (res && res.confirm) {
          this.doLogout();
        }
      },
    });
  },

  doLogout() {
    this.setData({ status: 'signedOut', phone: '' });
    return auth.logout().then(() => {
      wx.showToast({ title: TEXT.LOGGED_OUT, icon: 'none' });
    });
  },

  onSignInAgain() {
    return this.load();
  },
});
