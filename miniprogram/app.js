const auth = require('./api/auth');

App({
  onLaunch() {
    this.watchForUpdates();
    this.signInSilently();
  },

  // No 登录 button anywhere: the session is made at launch (wx.login →
  // POST /api/v1/auth/login) and pages wait on the same sign-in through
  // auth.ensureSignedIn(). A failure here is shown by the page that needs it.
  signInSilently() {
    this.globalData.signedIn = auth.ensureSignedIn().then(() => true, () => false);
    return this.globalData.signedIn;
  },

  // Cheap phones keep old code packages around for a long time: offer the
  // new version as soon as WeChat has downloaded it.
  watchForUpdates() {
    if (typeof wx.getUpdateManager !== 'function') {
      return;
    }
    const manager = wx.getUpdateManager();
    manager.onUpdateReady(() => {
      wx.showModal({
        title: '更新提示',
        content: '新版本已准备好，是否重启使用？',
        success: (res) => {
          if (res.confirm) {
            manager.applyUpdate();
          }
        },
      });
    });
  },

  globalData: {},
});
