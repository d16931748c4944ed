/**
 * 我的券: the user's vouchers. A usable one shows its code in large letters
 * and a QR code (drawn on the phone, lib/qr.js) to show at the venue, and
 * can be cancelled after a confirmation (the points come back).
 */
const pointsApi = require('../../api/points');
const view = require('../../lib/points-view');
const { qrDataUrl, qrFile } = require('../../lib/qr');
const listBehavior = require('../../lib/list-behavior');

const TEXT = {
  CANCEL_FAILED: '没办成，请检查网络后再试',
  CANCELLED: '已取消，积分已退回',
  NOT_CANCELLABLE: '这张券已使用或已过期，不能取消',
  ZOOM_FAILED: '没能放大，请把手机亮度调高，直接出示这张券',
};

function withQr(v) {
  return Object.assign(v, { qrImage: v.usable ? qrDataUrl(v.qr) : '' });
}

Page({
  behaviors: [listBehavior],

  data: {
    unregistered: false,
    cancelling: null,
  },

  onLoad() {
    this.listSetup(() => this.fetchVouchers());
    this.listReload();
  },

  /** All my vouchers in one page; not registered is an empty list with its own words. */
  fetchVouchers() {
    return pointsApi.getMyVouchers({ silent: true }).then(
      (items) => {
        const now = Date.now();
        this.setData({ unregistered: false });
        return { items: items.map((v) => withQr(view.voucherView(v, now))), hasMore: false };
      },
      (err) => {
        if (err && err.code === 'NOT_REGISTERED') {
          this.setData({ unregistered: true });
          return { items: [], hasMore: false };
        }
        throw err;
      },
    );
  },

  onPullDownRefresh() {
    return this.listRefresh();
  },

  onRetry() {
    return this.listReload();
  },

  /** Big QR code full screen, for a dim venue or a scanner far away. */
  onZoom(e) {
    const id = e.currentTarget.dataset.id;
    const item = this.data.listItems.find((v) => String(v.id) === String(id));
    if (!item || !item.usable) {
      return Promise.resolve();
    }
    // previewImage shows files, not data: URLs: write the big code first.
    return qrFile(item.qr, `voucher-qr-${item.id}`, 16, 4).then(
      (path) => {
        wx.previewImage({ urls: [path], current: path });
      },
      () => {
        wx.showToast({ title: TEXT.ZOOM_FAILED, icon: 'none' });
      },
    );
  },

  onCancel(e) {
    const id = e.currentTarget.dataset.id;
    const item = this.data.listItems.find((v) => String(v.id) === String(id));
    if (!item || !item.usable || this.data.cancelling) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      wx.showModal({
        title: '取消兑换',
        content: `确定取消「${item.perkName}」吗？取消后 ${item.points} 积分会退回，这张券不能再使用。`,
        confirmText: '确定取消',
        cancelText: '不取消',
        success: (res) => {
          if (res && res.confirm) {
            this.cancel(item).then(resolve, resolve);
          } else {
            resolve();
          }
        },
        fail: () => resolve(),
      });
    });
  },

  cancel(item) {
    this.setData({ cancelling: item.id });
    // A definite error is toasted by the request module in the server's words.
    return pointsApi.cancelVoucher(item.id, { silent: true }).then(
      (voucher) => {
        const next = withQr(view.voucherView(voucher || { status: 'cancelled' }, Date.now()));
        const items = this.data.listItems.map((v) => (v.id === item.id ? Object.assign({}, item, next) : v));
        this.setData({ cancelling: null, listItems: items });
        wx.showToast({ title: TEXT.CANCELLED, icon: 'none' });
      },
      (err) => {
        this.setData({ cancelling: null });
        const message = err && err.code === 'VOUCHER_NOT_CANCELLABLE' ? TEXT.NOT_CANCELLABLE : (err && err.message);
        wx.showToast({ title: message || TEXT.CANCEL_FAILED, icon: 'none' });
        if (err && err.status >= 400 && err.status < 500) {
          this.listRefresh();
        }
      },
    );
  },

  onPerks() {
    wx.navigateTo({ url: '/pages/perks/perks' });
  },

  // Vouchers need a person record; for a returning worker that is 返乡登记.
  onRegister() {
    wx.navigateTo({ url: '/pages/register/register' });
  },

  onAlumnus() {
    wx.navigateTo({ url: '/pages/alumnus/alumnus' });
  },
});
