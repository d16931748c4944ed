/**
 * 我的档案: the user's returnee record in readable Chinese, with
 * "信息无误，确认" (POST confirm) and "修改" (the register page, edit mode).
 */
const returneeApi = require('../../api/returnee');
const { recordSections } = require('../../lib/returnee-view');
const { formatBeijingDateTime } = require('../../lib/datetime');

const TEXT = {
  LOAD_FAILED: '加载失败，请检查网络后重试',
  CONFIRMED: '已确认，谢谢您',
};

const REVIEW_TEXT = {
  pending: '您填写的部分文字还在等待审核，不影响您的登记。',
  review: '您填写的部分文字需要工作人员审核，审核期间不影响您的登记。',
};

Page({
  data: {
    // loading | error | none | ready
    status: 'loading',
    errorMessage: '',
    sections: [],
    confirmedText: '',
    reviewText: '',
    confirming: false,
  },

  // Loaded on every show, so coming back from 修改 shows the saved record.
  onShow() {
    this.load();
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
    return Promise.all([returneeApi.getMyReturnee(), returneeApi.getOptions()]).then(
      ([record, options]) => {
        this.options = options;
        if (!record) {
          this.setData({ status: 'none' });
          return;
        }
        this.show(record);
      },
      (err) => {
        if (this.data.status === 'ready') {
          // Keep showing what we have; just say the refresh failed.
          wx.showToast({ title: (err && err.message) || TEXT.LOAD_FAILED, icon: 'none' });
          return;
        }
        this.setData({ status: 'error', errorMessage: (err && err.message) || TEXT.LOAD_FAILED });
      },
    );
  },

  show(record) {
    this.setData({
      status: 'ready',
      sections: recordSections(record, this.options),
      confirmedText: formatBeijingDateTime(record.confirmed_at),
      reviewText: REVIEW_TEXT[record.content_review] || '',
    });
  },

  onRetry() {
    return this.load();
  },

  onConfirm() {
    if (this.data.confirming) {
      return Promise.resolve();
    }
    this.setData({ confirming: true });
    // Errors are toasted by the request module.
    return returneeApi.confirmMyReturnee().then(
      (record) => {
        this.setData({ confirming: false });
        if (record) {
          this.show(record);
        }
        wx.showToast({ title: TEXT.CONFIRMED, icon: 'success' });
      },
      () => {
        this.setData({ confirming: false });
      },
    );
  },

  onEdit() {
    wx.navigateTo({ url: '/pages/register/register?from=record' });
  },

  onRegister() {
    wx.navigateTo({ url: '/pages/register/register?from=record' });
  },
});
