/**
 * 首页 (tab): signs in silently, then a grid of the big tasks and a status
 * card (登记, 我的申请, 积分). No 登录 button: signing out lives in 我的.
 */
const auth = require('../../api/auth');
const returneeApi = require('../../api/returnee');
const applicationsApi = require('../../api/applications');
const pointsApi = require('../../api/points');
const messagesApi = require('../../api/messages');
const homeStatus = require('../../lib/home-status');

const TASKS = [
  { key: 'register', title: '返乡登记', icon: 'user-add', url: '/pages/register/register' },
  { key: 'support', title: '创业补贴/贷款', icon: 'money', url: '/pages/policies/policies' },
  { key: 'checkin', title: '活动签到', icon: 'scan', url: '/pages/checkin/checkin?scan=1' },
  { key: 'points', title: '我的积分', icon: 'star', url: '/pages/points/points' },
];

const MESSAGES_TAB = 2;

const TEXT = {
  SIGN_IN_FAILED: '没能登录。请检查手机是否连上网络，再点“重新加载”。',
};

// Settles to the value, or to `missing` when the call failed.
const orMissing = (promise, missing) => promise.then((v) => v, () => missing);

Page({
  data: {
    // loading | error | ready
    status: 'loading',
    errorMessage: '',
    tasks: TASKS,
    registration: homeStatus.registration(undefined),
    applications: homeStatus.applications(null),
    points: homeStatus.points(null),
  },

  onLoad() {
    this.refresh();
  },

  onShow() {
    if (this.data.status === 'ready') {
      this.loadStatus();
    }
  },

  onPullDownRefresh() {
    const stop = () => wx.stopPullDownRefresh();
    this.refresh().then(stop, stop);
  },

  refresh() {
    this.setData({ status: 'loading', errorMessage: '' });
    return auth.ensureSignedIn().then(
      () => {
        this.setData({ status: 'ready' });
        return this.loadStatus();
      },
      (err) => {
        this.setData({ status: 'error', errorMessage: (err && err.message && err.status ? err.message : TEXT.SIGN_IN_FAILED) });
      },
    );
  },

  /** Each part on its own: one failing leaves "暂时看不到" there only. */
  loadStatus() {
    const silent = { silent: true };
    return Promise.all([
      orMissing(returneeApi.getMyReturnee(silent), undefined),
      orMissing(applicationsApi.listApplications(silent), null),
      // 404: no returnee or alumnus record yet, so no points account.
      pointsApi.getMyPoints(silent).then((v) => v, (err) => (err && err.status === 404 ? { notRegistered: true } : null)),
      orMissing(messagesApi.getMessages(1, silent), null),
    ]).then(([record, apps, pts, inbox]) => {
      this.setData({
        registration: homeStatus.registration(record),
        applications: homeStatus.applications(apps),
        points: homeStatus.points(pts),
      });
      this.showUnread(inbox ? inbox.unread : 0);
    });
  },

  showUnread(unread) {
    try {
      if (unread > 0) {
        wx.setTabBarBadge({ index: MESSAGES_TAB, text: unread > 99 ? '99+' : String(unread) });
      } else {
        wx.removeTabBarBadge({ index: MESSAGES_TAB });
      }
    } catch (e) {
      // Not on a tab page (e.g. opened from a share): no badge to show.
    }
  },

  onRetry() {
    return this.refresh();
  },

  onOpen(e) {
    const url = e && e.currentTarget && e.currentTarget.dataset.url;
    if (url) {
      wx.navigateTo({ url });
    }
  },

  onOpenApplications() {
    wx.navigateTo({ url: '/pages/applications/applications' });
  },
});
