/**
 * 活动签到. Two ways in:
 * - WeChat's own 扫一扫 on the event's 小程序码 opens this page with
 *   `options.scene` (`<id>.<code>`): the page signs in silently if needed,
 *   checks in at once and shows the result in large text — one step;
 * - 扫码签到 inside the app (wx.scanCode, camera or album) reads the
 *   小程序码 (its path) or the older `huixiang:event:<id>:<token>` QR code.
 * Opened with `?scan=1` (from the home page) it starts the camera at once.
 */
const pointsApi = require('../../api/points');
const auth = require('../../api/auth');
const http = require('../../api/request');
const {
  parseScene, parseScanResult, checkinErrorOf, CHECKIN_TEXT,
} = require('../../lib/checkin');
const { formatBeijingDateTime } = require('../../lib/datetime');
const { num } = require('../../lib/points-view');

const TEXT = {
  SCAN_FAILED: '没能打开扫码，请稍后再试',
  CAMERA_DENIED: '微信没有相机权限。请点右上角“···”→“设置”，打开“摄像头”后再扫',
  PRIVACY_REFUSED: '没有同意《隐私保护指引》，所以没能打开扫码。想签到，请再点下面的扫码按钮，在提示里点“同意”',
  NETWORK: '网络不好，这次没有签到成功。请到信号好的地方点“再试一次”',
  SIGN_IN_FAILED: '没能登录微信账号，请检查网络后点“再试一次”',
};

function scan() {
  return new Promise((resolve, reject) => {
    wx.scanCode({
      // A forwarded picture of the code can be picked from the album too.
      onlyFromCamera: false,
      scanType: ['qrCode', 'wxCode'],
      success: (res) => resolve(res || {}),
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
    // A code is known and the failure was the network's: 再试一次 resends it.
    canRetry: false,
  },

  onLoad(query) {
    const q = query || {};
    if (q.scene) {
      // Opened by WeChat's scanner on the event's 小程序码.
      this.checkIn(parseScene(q.scene));
      return;
    }
    if (q.scan === '1') {
      this.onScan();
    }
  },

  onScan() {
    if (this.data.status === 'checking') {
      return Promise.resolve();
    }
    return scan().then(
      (res) => this.checkIn(parseScanResult(res)),
      (err) => {
        const errMsg = (err && err.errMsg) || '';
        if (/cancel/i.test(errMsg)) {
          return; // The user closed the camera: nothing to say.
        }
        let message = TEXT.SCAN_FAILED;
        if (/privacy/i.test(errMsg)) {
          message = TEXT.PRIVACY_REFUSED;
        } else if (/auth|deny|denied|permission/i.test(errMsg)) {
          message = TEXT.CAMERA_DENIED;
        }
        this.setData({
          status: 'failed', message, offerRegister: false, canRetry: false, result: null,
        });
      },
    );
  },

  onRetry() {
    if (!this.lastCode || this.data.status === 'checking') {
      return Promise.resolve();
    }
    return this.checkIn(this.lastCode);
  },

  /** `code` is what parseScene/parseScanResult read: { eventId, token } or { error }. */
  checkIn(code) {
    if (!code || code.error) {
      this.setData({
        status: 'failed', message: (code && code.error) || CHECKIN_TEXT.NOT_CHECKIN, offerRegister: false, canRetry: false, result: null,
      });
      return Promise.resolve();
    }
    this.lastCode = code;
    this.setData({
      status: 'checking', message: '', offerRegister: false, canRetry: false, result: null,
    });
    // Opened straight from WeChat's scanner there may be no session yet:
    // the app's silent sign-in (shared, never doubled) comes first.
    return auth.ensureSignedIn().then(
      () => pointsApi.checkIn(code.eventId, code.token, { silent: true }).then(
        (res) => this.showDone(res),
        (err) => this.showFailure(err),
      ),
      (err) => this.showFailure(err, TEXT.SIGN_IN_FAILED),
    );
  },

  showDone(res) {
    const points = Number((res && res.points) || 0);
    this.setData({
      status: 'done',
      canRetry: false,
      result: {
        headline: points > 0 ? `签到成功，获得 ${num(points)} 积分` : '签到成功',
        title: (res && res.title) || '',
        time: formatBeijingDateTime(res && res.checked_in_at),
        earned: points > 0,
      },
    });
  },

  showFailure(err, networkText) {
    if (http.isNetworkError(err) || (err && err.code === 'WX_LOGIN_FAILED') || (err && err.status >= 500)) {
      this.setData({
        status: 'failed', message: networkText || TEXT.NETWORK, offerRegister: false, canRetry: true,
      });
      return;
    }
    const { message, register } = checkinErrorOf(err);
    this.setData({
      status: 'failed', message, offerRegister: register, canRetry: false,
    });
  },

  // Check-in needs a person record; for a returning worker that is 返乡登记.
  onRegister() {
    wx.navigateTo({ url: '/pages/register/register' });
  },

  onAlumnus() {
    wx.navigateTo({ url: '/pages/alumnus/alumnus' });
  },

  onPoints() {
    wx.navigateTo({ url: '/pages/points/points' });
  },

  onEvents() {
    wx.navigateTo({ url: '/pages/events/events' });
  },
});
