App({
  onLaunch() {
    this.watchForUpdates();
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
