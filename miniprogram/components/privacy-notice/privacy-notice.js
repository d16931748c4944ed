/**
 * <privacy-notice /> — one plain sentence before the ID number or bank
 * account field, with a link to the privacy policy. `what` names the
 * field(s): <privacy-notice what="银行卡号" />.
 */
const { POLICY_URL } = require('../../lib/privacy');

Component({
  properties: {
    what: { type: String, value: '身份证号和银行卡号' },
  },
  methods: {
    onOpenPolicy() {
      wx.navigateTo({ url: POLICY_URL });
    },
  },
});
