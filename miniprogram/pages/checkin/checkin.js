/**
 * 活动签到: 扫码签到 opens the camera (wx.scanCode), reads the event QR code
 * (`huixiang:event:<id>:<token>`), checks in and shows the points earned.
 * Opened with `?scan=1` (from the home page) it starts the camera at once.
 */
const pointsApi = require('../../api/points');
const http = require('../../api/request');
const { parseCheckinPayload, checkinErrorOf } = require('../../lib/checkin');
const { formatBeijingDateTime } = require('../../lib/datetime');
const { num } = require('../../lib/points-view');

const TEXT = {
  SCAN_FAILED: '没能打开扫码，请稍后再试',
  NETWORK: '网络不给力，没有签到成功，请再扫一次',
};

function scan() {
  return new Promise((resolve, reject) => {
    wx.scanCode({
      onlyFromCamera: true,
      scanType: ['qrCode'],
      success: (res) => resolve((res && res.result) || ''),
      fail: (err) => reject(err || {}),
    });
  });
}

Page({
  data: {
    // idle | checking | done | failed
    status: 'idle',
    result: null,
    message: '',
    offerRegister: false,
  },

  onLoad(query) {
    if (query && query.scan === '1') {
      this.onScan();
    }
  },

  onScan() {
    if (this.data.status === 'checking') {
      return Promise.resolve();
    }
    return scan().then(
      (payload) => this.checkIn(payload),
      (err) => {
        if (/cancel/i.test((err && err.errMsg) || '')) {
          return; // The user closed the camera: nothing to say.
        }
        this.setData({ status: 'failed', message: TEXT.SCAN_FAILED, offerRegister: false });
      },
    );
  },

  checkIn(payload) {
    const parsed = parseCheckinPayload(payload);
    if (parsed.error) {
      this.setData({ status: 'failed', message: parsed.error, offerRegister: false, result: null });
      return Promise.resolve();
    }
    this.setData({ status: 'checking', message: '', offerRegister: false, result: null });
    return pointsApi.checkIn(parsed.eventId, parsed.token, { silent: true }).then(
      (res) => {
        const points = Number((res && res.points) || 0);
        this.setData({
          status: 'done',
          result: {
            title: (res && res.title) || '',
            time: formatBeijingDateTime(res && res.checked_in_at),
            points: num(points),
            earned: points > 0,
          },
        });
      },
      (err) => {
        if (http.isNetworkError(err)) {
          this.setData({ status: 'failed', message: TEXT.NETWORK });
          return;
        }
        const { message, register } = checkinErrorOf(err);
        this.setData({ status: 'failed', message, offerRegister: register });
      },
    );
  },

  onRegister() {
    wx.navigateTo({ url: '/pages/alumnus/alumnus' });
  },

  onPoints() {
    wx.navigateTo({ url: '/pages/points/points' });
  },
});
