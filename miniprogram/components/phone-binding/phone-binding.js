/**
 * <phone-binding phone="{{phone}}" bind:bound="onPhoneBound" />
 *
 * With a (masked) phone it shows it; without one, a 微信手机号快速验证
 * button (open-type getPhoneNumber) → POST /api/v1/me/phone {code} →
 * `bound` with { phone } (masked). Only a user who tapped 拒绝 hears
 * "您已取消授权"; other failures say what to do.
 */
const auth = require('../../api/auth');
const { maskPhone, phoneCodeOf } = require('../../lib/phone');

const BOUND = '绑定成功';

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
      // lib/phone reads the event: only the user's own 拒绝 is called a cancellation.
      const { code, error } = phoneCodeOf(e);
      if (error) {
        wx.showToast({ title: error, icon: 'none' });
        return Promise.resolve();
      }
      if (this.data.binding) {
        return Promise.resolve();
      }
      this.setData({ binding: true });
      // Server errors are toasted by the request module.
      return auth.bindPhone(code).then(
        (phone) => {
          this.setData({ binding: false, shown: maskPhone(phone) || '' });
          wx.showToast({ title: BOUND, icon: 'success' });
          this.triggerEvent('bound', { phone });
        },
        () => {
          this.setData({ binding: false });
        },
      );
    },
  },
});

