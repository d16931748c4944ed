/**
 * 项目详情 (?id=): a published project — industry, chain link, place, investment in 万元, land
 * in 亩, stage, the partner it wants, the contact department — and its description.
 * A project no longer published (404) says so, with 看看其他项目.
 */
const projectsApi = require('../../api/projects');
const { projectCard, projectRows } = require('./view');

const TEXT = {
  GONE: '这个项目已经不再对外发布了，看看其他项目吧。',
  BAD_LINK: '没有找到这个项目。',
  LOAD_FAILED: '没能加载出来。请检查手机是否连上网络，再点“重新加载”。',
};

Page({
  data: {
    // loading | error | empty | ready
    status: 'loading',
    errorMessage: '',
    emptyText: TEXT.GONE,
    project: null,
    rows: [],
    description: '',
  },

  onLoad(query) {
    this.projectId = query && /^\d+$/.test(String(query.id || '')) ? String(query.id) : '';
    if (!this.projectId) {
      this.setData({ status: 'empty', emptyText: TEXT.BAD_LINK });
      return undefined;
    }
    return this.load();
  },

  load() {
    this.setData({ status: 'loading', errorMessage: '' });
    return projectsApi.getProject(this.projectId, { silent: true }).then(
      (p) => {
        const card = projectCard(p);
        if (card.name && typeof wx.setNavigationBarTitle === 'function') {
          wx.setNavigationBarTitle({ title: card.name });
        }
        this.setData({
          status: 'ready',
          project: card,
          rows: projectRows(p),
          description: (p && p.description) || '',
        });
      },
      (err) => {
        if (err && err.status === 404) {
          this.setData({ status: 'empty', emptyText: TEXT.GONE });
          return;
        }
        this.setData({ status: 'error', errorMessage: (err && err.message) || TEXT.LOAD_FAILED });
      },
    );
  },

  onRetry() {
    return this.load();
  },

  onOthers() {
    wx.redirectTo({ url: '/pages/projects/projects' });
  },

  onShareAppMessage() {
    const name = this.data.project ? this.data.project.name : '招商项目';
    return { title: name, path: `/pages/project/project?id=${this.projectId}` };
  },
});
