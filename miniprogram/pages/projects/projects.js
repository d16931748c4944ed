/**
 * 招商项目: the published investment projects, the latest first, 20 a page (pull down to
 * refresh, more at the bottom); a tap opens the project. 为您推荐 is one tap away.
 */
const projectsApi = require('../../api/projects');
const { projectCard } = require('../project/view');
const listBehavior = require('../../lib/list-behavior');

Page({
  behaviors: [listBehavior],

  data: {
    total: 0,
  },

  onLoad() {
    this.listSetup((page) => projectsApi.getProjects(page, {}, { silent: true }).then((res) => {
      this.setData({ total: res.total });
      return { items: res.items.map(projectCard), hasMore: res.hasMore };
    }));
    this.listReload();
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

  onMore() {
    return this.listMore();
  },

  onOpen(e) {
    const projectId = e && e.currentTarget && e.currentTarget.dataset.id;
    if (projectId) {
      wx.navigateTo({ url: `/pages/project/project?id=${projectId}` });
    }
  },

  onMatches() {
    wx.navigateTo({ url: '/pages/matches/matches' });
  },
});
