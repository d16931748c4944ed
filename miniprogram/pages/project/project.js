/**
 * 项目详情 (?id=): a published project — industry, chain link, place, investment in 万元, land
 * in 亩, stage, the partner it wants, the contact department — and its description.
 * A project no longer published (404) says so, with 看看其他项目.
 *
 * 感兴趣: with a merchant record (GET /api/v1/me/merchant) the button sends
 * POST /api/v1/me/matches/{id}/interest, which reaches the contact department; after it, and when
 * GET /api/v1/me/matches already says `interested` for this project, it reads 已表示感兴趣 and
 * stays off. Without a record (404 there, or 409 NOT_MERCHANT on the tap) it reads
 * 登记楚商信息后可表示感兴趣 and opens 楚商信息; back from there the page asks again.
 */
const projectsApi = require('../../api/projects');
const merchantsApi = require('../../api/merchants');
const http = require('../../api/request');
const { projectCard, projectRows } = require('./view');

const TEXT = {
  GONE: '这个项目已经不再对外发布了，看看其他项目吧。',
  BAD_LINK: '没有找到这个项目。',
  LOAD_FAILED: '没能加载出来。请检查手机是否连上网络，再点“重新加载”。',
  INTERESTED: '已告诉项目联系单位',
  INTEREST_FAILED: '没有发送成功，请稍后再点一次“感兴趣”。',
  INTEREST_NETWORK: '手机没有连上网络，“感兴趣”还没有发出去，请检查信号后再点一次。',
  NOT_MERCHANT: '请先登记楚商信息，再表示感兴趣。',
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
    // 感兴趣: '' (not known yet) | none (no merchant record) | ready | sending | done
    interest: '',
    interestError: '',
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
        return this.loadInterest();
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

  // Back from 楚商信息 (a record just made): ask again whether 感兴趣 is possible.
  onShow() {
    if (this.needsInterest && this.data.status === 'ready') {
      this.needsInterest = false;
      this.loadInterest();
    }
  },

  /**
   * Whether I have a merchant record and said 感兴趣 already. Unknown (a failed read) leaves the
   * button on: saying it twice is harmless (200).
   */
  loadInterest() {
    return merchantsApi.getMyMerchant().then(
      (record) => {
        if (!record) {
          this.setData({ interest: 'none', interestError: '' });
          return undefined;
        }
        return merchantsApi.getMyInterest(this.projectId, { silent: true }).then(
          (interested) => this.setData({ interest: interested ? 'done' : 'ready', interestError: '' }),
          (err) => this.setData({ interest: err && err.status === 409 ? 'none' : 'ready', interestError: '' }),
        );
      },
      () => this.setData({ interest: 'ready', interestError: '' }),
    );
  },

  onInterest() {
    if (this.data.interest !== 'ready') {
      return Promise.resolve();
    }
    this.setData({ interest: 'sending', interestError: '' });
    return merchantsApi.markInterest(this.projectId, { silent: true }).then(
      () => {
        this.setData({ interest: 'done' });
        wx.showToast({ title: TEXT.INTERESTED, icon: 'success' });
      },
      (err) => {
        const e = err || {};
        if (e.status === 409) {
          this.setData({ interest: 'none', interestError: e.code === 'NOT_MERCHANT' && e.message ? e.message : TEXT.NOT_MERCHANT });
          return;
        }
        if (e.status === 404) {
          this.setData({ status: 'empty', emptyText: TEXT.GONE, interest: '' });
          return;
        }
        this.setData({
          interest: 'ready',
          interestError: http.isNetworkError(e) ? TEXT.INTEREST_NETWORK : (e.message || TEXT.INTEREST_FAILED),
        });
      },
    );
  },

  onMerchant() {
    this.needsInterest = true;
    wx.navigateTo({ url: '/pages/merchant/merchant' });
  },

  onOthers() {
    wx.redirectTo({ url: '/pages/projects/projects' });
  },

  onShareAppMessage() {
    const name = this.data.project ? this.data.project.name : '招商项目';
    return { title: name, path: `/pages/project/project?id=${this.projectId}` };
  },
});
