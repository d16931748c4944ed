/**
 * <phone-binding phone="{{phone}}" bind:bound="onPhoneBound" />
 *
 * With a (masked) phone it shows it; without one, a 微信手机号快速验证
 * button (open-type getPhoneNumber) → POST /api/v1/me/phone {code} →
 * `bound` with { phone } (masked). Only a user who tapped 拒绝 hears
 * "您已取消授权"; other failures say what to do.
 */
const auth = require('../../api/auth');
const { maskPhone } = require('../../lib/phone');

const TEXT = {
  CANCELLED: '您已取消授权，可随时再绑定手机号',
  NO_CODE: '请将微信升级到最新版本后再绑定手机号',
  FAILED: '暂时没拿到手机号，请稍后再点一次',
  BOUND: '绑定成功',
};

/** The user's own "拒绝" (not a missing permission or a WeChat failure). */
function isUserCancel(errMsg) {
  return /user deny|cancel/i.test(errMsg);
}

Component({
  properties: {
    phone: { type: String, value: '' },
    hint: { type: String, value: '绑定手机号后，工作人员可以及时联系您' },
  },
  data: { binding: false, shown: '' },
  observers: {
    phone(value) {
      this.setData({ shown: maskPhone(value) || '' });
    },
  },
  methods: {
    onGetPhoneNumber(e) {
      const detail = (e && e.detail) || {};
      const errMsg = typeof detail.errMsg === 'string' ? detail.errMsg : '';
      if (!/:ok$/.test(errMsg)) {
        wx.showToast({ title: isUserCancel(errMsg) ? TEXT.CANCELLED : TEXT.FAILED, icon: 'none' });
        return Promise.resolve();
      }
      if (!detail.code) {
        wx.showToast({ title: TEXT.NO_CODE, icon: 'none' });
        return Promise.resolve();
      }
      if (this.data.binding) {
        return Promise.resolve();
      }
      this.setData({ binding: true });
      // Server errors are toasted by the request module.
      return auth.bindPhone(detail.code).then(
        (phone) => {
          this.setData({ binding: false, shown: maskPhone(phone) || '' });
          wx.showToast({ title: TEXT.BOUND, icon: 'success' });
          this.triggerEvent('bound', { phone });
        },
        () => {
          this.setData({ binding: false });
        },
      );
    },
  },
});

module.exports = { isUserCancel, TEXT };
