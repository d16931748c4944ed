/**
 * 消息推送 (from 我的): whether policy notices are pushed to WeChat (a
 * switch, saved at once), how often and when they come, and whether WeChat
 * will deliver them (the 微信服务通知 consent), with a 订阅政策通知 button
 * that asks for the consent from the tap itself, as WeChat requires.
 * Every notice also stays in 消息, whatever is chosen here.
 */
const auth = require('../../api/auth');
const settingsApi = require('../../api/notify-settings');
const subscribe = require('../../lib/subscribe');

const TEXT = {
  TURNED_OFF: '已关闭推送，通知仍会出现在消息里',
  TURNED_ON: '已打开推送',
  OFF_FAILED: '推送没能关闭，现在仍是打开的。',
  ON_FAILED: '推送没能打开，现在仍是关闭的。',
  TRY_AGAIN: '请稍后再试一次。',
  LONG_TERM: '已长期订阅',
  ONE_TIME: (n) => `还可接收 ${n} 次`,
  NONE: '未订阅',
  NEEDS_PUSHES: '先打开推送',
  NOT_ACCEPTED: '没有订阅。想收到时，再点一次“订阅政策通知”',
  REFRESH_FAILED: '刷新没成功，请稍后再拉一下',
  LOAD_FAILED: '没能加载出来。请检查手机是否连上网络，再点“重试”。',
};

/** 政策通知每周最多推送 3 次（导师预约提醒、问诊回复不计在内）；22:00–08:00 不推送，到早上再发；所有通知都会留在「消息」里。 */
function explanation(s) {
  const parts = [];
  if (s.weekly_cap > 0) {
    parts.push(`政策通知每周最多推送 ${s.weekly_cap} 次（导师预约提醒、问诊回复不计在内）`);
  }
  if (s.quiet_hours.from && s.quiet_hours.to) {
    parts.push(`${s.quiet_hours.from}–${s.quiet_hours.to} 不推送，到早上再发`);
  }
  parts.push('所有通知都会留在「消息」里');
  return `${parts.join('；')}。`;
}

function consentText(s) {
  if (s.notice_consent === 'long_term') return TEXT.LONG_TERM;
  if (s.notice_consent === 'one_time' && s.notice_remaining > 0) return TEXT.ONE_TIME(s.notice_remaining);
  return TEXT.NONE;
}

/** What the page shows for the server's settings. */
function settingsView(s) {
  return {
    pushesEnabled: s.pushes_enabled,
    explanation: explanation(s),
    showSubscribe: !!s.notice_template_id,
    consentText: consentText(s),
    canSubscribe: consentText(s) === TEXT.NONE,
  };
}

function stopPullDown() {
  if (typeof wx.stopPullDownRefresh === 'function') {
    wx.stopPullDownRefresh();
  }
}

Page({
  data: {
    // loading | error | ready
    status: 'loading',
    errorMessage: '',
    pushesEnabled: false,
    saving: false,
    saveError: '',
    explanation: '',
    showSubscribe: false,
    consentText: '',
    canSubscribe: false,
    subscribing: false,
    TEXT,
  },

  onLoad() {
    this.templateId = '';
    this.seq = 0;
    this.load();
  },

  /** The settings with the loading state (onLoad, 重试). */
  load() {
    this.setData({ status: 'loading', errorMessage: '' });
    return this.fetch().then(
      () => {},
      (err) => {
        if (err !== 'stale') {
          this.setData({ status: 'error', errorMessage: (err && err.message) || TEXT.LOAD_FAILED });
        }
      },
    );
  },

  /** The settings again, keeping what is shown (pull-down, after subscribing). */
  refresh() {
    return this.fetch().catch((err) => {
      if (err === 'stale') {
        return;
      }
      if (this.data.status === 'ready') {
        wx.showToast({ title: TEXT.REFRESH_FAILED, icon: 'none' });
      } else {
        this.setData({ status: 'error', errorMessage: (err && err.message) || TEXT.LOAD_FAILED });
      }
    });
  },

  /** GET and show; rejects with 'stale' when a newer answer (GET or PUT) has already been shown. */
  fetch() {
    this.seq += 1;
    const seq = this.seq;
    return auth.ensureSignedIn()
      .then(() => settingsApi.getNotificationSettings({ silent: true }))
      .then((settings) => {
        if (seq !== this.seq) {
          throw 'stale'; // eslint-disable-line no-throw-literal
        }
        this.show(settings);
      });
  },

  show(settings) {
    this.templateId = settings.notice_template_id;
    this.setData(Object.assign({ status: 'ready', errorMessage: '' }, settingsView(settings)));
  },

  onRetry() {
    return this.load();
  },

  onPullDownRefresh() {
    return this.refresh().then(stopPullDown, stopPullDown);
  },

  /** The switch: saved at once; on failure it goes back and says why under it. */
  onPushesChange(e) {
    const enabled = !!(e && e.detail && e.detail.value);
    const before = this.data.pushesEnabled;
    if (this.data.saving || enabled === before) {
      return Promise.resolve();
    }
    this.seq += 1;
    const seq = this.seq;
    this.setData({ pushesEnabled: enabled, saving: true, saveError: '' });
    return settingsApi.setPushesEnabled(enabled, { silent: true }).then(
      (settings) => {
        this.setData({ saving: false });
        if (seq === this.seq) {
          this.show(settings);
        }
        wx.showToast({ title: enabled ? TEXT.TURNED_ON : TEXT.TURNED_OFF, icon: 'none', duration: 2500 });
      },
      (err) => {
        const reason = (err && err.message) || TEXT.TRY_AGAIN;
        this.setData({
          saving: false,
          pushesEnabled: before,
          saveError: `${enabled ? TEXT.ON_FAILED : TEXT.OFF_FAILED}${reason}`,
        });
      },
    );
  },

  /**
   * 订阅政策通知: askConsent calls wx.requestSubscribeMessage synchronously,
   * inside this tap (WeChat shows nothing otherwise); then the settings are
   * read again to show the new consent state.
   */
  onSubscribe() {
    if (!this.templateId || !this.data.pushesEnabled || this.data.subscribing) {
      return Promise.resolve();
    }
    const asked = subscribe.askConsent(this.templateId);
    this.setData({ subscribing: true });
    return asked.then((accepted) => {
      if (!accepted.length) {
        wx.showToast({ title: TEXT.NOT_ACCEPTED, icon: 'none', duration: 2500 });
      }
      return this.refresh();
    }).then(() => {
      this.setData({ subscribing: false });
    });
  },
});
