/**
 * <privacy-popup /> — put it on every page that binds a phone, picks photos
 * or scans. When WeChat needs the user's privacy consent
 * (wx.onNeedPrivacyAuthorization, e.g. at the getPhoneNumber tap) this asks
 * in our own words instead of WeChat's interrupting popup:
 *   同意 → <t-button open-type="agreePrivacyAuthorization"> (WeChat goes on
 *          with the call) and POST /api/v1/me/privacy-consent {version};
 *   不同意 → WeChat cancels the call, nothing is sent.
 * The popup of the page on screen answers (it takes the listener on show).
 */
const privacy = require('../../lib/privacy');
const auth = require('../../api/auth');

const AGREE_BUTTON_ID = 'privacy-agree';

Component({
  data: {
    visible: false,
    version: privacy.VERSION,
    agreeId: AGREE_BUTTON_ID,
  },
  lifetimes: {
    attached() {
      this.listen();
    },
    detached() {
      this.answer = null;
    },
  },
  pageLifetimes: {
    show() {
      this.listen();
    },
  },
  methods: {
    listen() {
      if (typeof wx.onNeedPrivacyAuthorization !== 'function') {
        return;
      }
      wx.onNeedPrivacyAuthorization((resolve) => {
        this.answer = resolve;
        this.setData({ visible: true });
      });
    },

    reply(result) {
      const answer = this.answer;
      this.answer = null;
      this.setData({ visible: false });
      if (answer) {
        answer(result);
      }
    },

    onAgree() {
      this.reply({ buttonId: AGREE_BUTTON_ID, event: 'agree' });
      // Best effort: ensurePrivacyConsent() asks again before ID/bank fields.
      return auth.acceptPrivacy(privacy.VERSION, { silent: true }).then(
        () => this.triggerEvent('agree'),
        () => this.triggerEvent('agree'),
      );
    },

    onDecline() {
      this.reply({ event: 'disagree' });
      this.triggerEvent('decline');
    },

    onOpenPolicy() {
      wx.navigateTo({ url: privacy.POLICY_URL });
    },
  },
});
