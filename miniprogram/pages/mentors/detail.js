/**
 * 导师详情 (pages/mentors/detail?id=): the profile, the open slots of the
 * next 14 days grouped by day (Beijing time), then 预约: a slot, how to meet
 * (only the mentor's modes), what to talk about → POST /api/v1/appointments.
 *
 * SLOT_TAKEN / SLOT_INVALID: said in plain words and the slots are loaded
 * again; TOO_MANY_APPOINTMENTS: the limit of 2 and a way to 我的预约;
 * MENTOR_FULL: choose another week or mentor. 向TA提问 opens
 * pages/consultations/ask?mentor_id=.
 *
 * After a booking the done card offers the reminders (预约前一天和前一小时
 * in WeChat, pushed within the notice template's consent): its button asks
 * for that consent from the tap, as WeChat requires. It is not offered when
 * pushes are off in 消息推送 or the consent is long-term
 * (lib/subscribe.js noticeTemplateToAsk); the booking stands whatever the answer.
 */
const mentorsApi = require('../../api/mentors');
const subscribe = require('../../lib/subscribe');
const returneeApi = require('../../api/returnee');
const servicePointsApi = require('../../api/service-points');
const { charCount } = require('../../lib/validate');
const view = require('../../lib/mentor-view');

const TOPIC_MAX = mentorsApi.TOPIC_MAX;

const TEXT = {
  NO_ID: '没有找到这位导师。',
  NOT_FOUND: '没有找到这位导师，可能已经暂停服务了。',
  FAILED: '没能打开导师介绍。请检查手机是否连上网络，再点“重试”。',
  PICK_SLOT: '请先选一个时间',
  PICK_MODE: '请选一种见面方式',
  TOPIC_EMPTY: '请写上想聊什么，导师好提前准备',
  TOPIC_LONG: `想聊的内容最多${TOPIC_MAX}字，请删减一些`,
  REMIND_ACCEPTED: '好的，会在微信里提醒您',
};

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    emptyText: TEXT.NO_ID,
    mentor: null,
    days: [],
    slot: '',
    slotText: '',
    modes: [],
    mode: '',
    topic: '',
    count: 0,
    max: TOPIC_MAX,
    formError: '',
    problem: '',
    showMine: false,
    booking: false,
    booked: null,
    place: '',
    // The reminders' consent: offered (canRemind), then none | asked | accepted | declined.
    canRemind: false,
    remind: 'none',
  },

  onLoad(query) {
    this.mentorId = query && query.id ? String(query.id) : '';
    this.fieldOptions = [];
    this.noticeTemplate = '';
    subscribe.noticeTemplateToAsk().then((id) => {
      this.noticeTemplate = id;
      this.setData({ canRemind: !!id });
    });
    returneeApi.getOptions().then((o) => {
      this.fieldOptions = o.intended_field || [];
      if (this.raw) {
        this.setData({ 'mentor.fields': view.fieldsText(this.raw.fields, this.fieldOptions) });
      }
    }, () => {});
    return this.load(true);
  },

  load(showLoading) {
    if (!/^[0-9]+$/.test(this.mentorId)) {
      this.setData({ status: 'empty', emptyText: TEXT.NO_ID });
      return Promise.resolve();
    }
    if (showLoading) {
      this.setData({ status: 'loading', errorMessage: '' });
    }
    return mentorsApi.getMentor(this.mentorId, { silent: true }).then(
      (m) => {
        this.raw = m;
        if (m.modes.indexOf('in_person') >= 0 && m.service_point_id && !this.placeAsked) {
          this.showPlace(m.service_point_id);
        }
        const modes = m.modes.map((code) => ({ code, label: view.modeLabel(code) }));
        const days = view.slotDays(m.slots);
        const stillOpen = days.some((d) => d.slots.some((s) => s.start === this.data.slot));
        this.setData({
          status: 'ready',
          mentor: Object.assign(view.mentorCard(m, this.fieldOptions), { slotMinutes: m.slot_minutes || 60 }),
          days,
          modes,
          mode: modes.length === 1 ? modes[0].code : this.data.mode,
          slot: stillOpen ? this.data.slot : '',
          slotText: stillOpen ? this.data.slotText : '',
        });
      },
      (err) => {
        if (err && err.code === 'NOT_FOUND') {
          this.setData({ status: 'empty', emptyText: TEXT.NOT_FOUND });
          return;
        }
        this.setData({ status: 'error', errorMessage: (err && err.status ? err.message : '') || TEXT.FAILED });
      },
    );
  },

  onRetry() {
    return this.load(true);
  },

  /** Where 到服务网点面谈 happens: the service point's name and address (quietly left out on failure). */
  showPlace(pointId) {
    this.placeAsked = true;
    return servicePointsApi.getServicePoints({}, { silent: true }).then((body) => {
      const p = body.items.find((it) => String(it.id) === String(pointId));
      if (p) {
        this.setData({ place: [p.name, p.address].filter(Boolean).join('，') });
      }
    }, () => {});
  },

  onSlot(e) {
    const { start, label } = e.currentTarget.dataset;
    this.setData({ slot: start, slotText: label, formError: '', problem: '' });
  },

  onMode(e) {
    this.setData({ mode: e.currentTarget.dataset.code, formError: '' });
  },

  onTopic(e) {
    const value = String((e && e.detail && e.detail.value) || '');
    this.setData({ topic: value, count: charCount(value) });
  },

  onBook() {
    if (this.data.booking) {
      return Promise.resolve();
    }
    const topic = this.data.topic.trim();
    let formError = '';
    if (!this.data.slot) {
      formError = TEXT.PICK_SLOT;
    } else if (!this.data.mode) {
      formError = TEXT.PICK_MODE;
    } else if (!topic) {
      formError = TEXT.TOPIC_EMPTY;
    } else if (charCount(topic) > TOPIC_MAX) {
      formError = TEXT.TOPIC_LONG;
    }
    if (formError) {
      this.setData({ formError });
      return Promise.resolve();
    }
    this.setData({
      booking: true, formError: '', problem: '', showMine: false,
    });
    return mentorsApi.book({
      mentorId: this.mentorId, start: this.data.slot, mode: this.data.mode, topic,
    }, { silent: true }).then(
      (a) => {
        this.setData({ booking: false, booked: view.appointmentCard(a) });
        if (typeof wx.pageScrollTo === 'function') {
          wx.pageScrollTo({ scrollTop: 0, duration: 200 });
        }
      },
      (err) => {
        const p = view.bookingProblem(err);
        this.setData({ booking: false, problem: p.message, showMine: !!p.mine });
        if (p.reload) {
          return this.load(false);
        }
        return undefined;
      },
    );
  },

  /** 在微信里提醒我 on the done card: straight from the tap (WeChat's rule). */
  onRemind() {
    if (!this.noticeTemplate || this.data.remind === 'asked') {
      return Promise.resolve();
    }
    const asked = subscribe.askConsent(this.noticeTemplate);
    this.setData({ remind: 'asked' });
    return asked.then((accepted) => {
      const ok = accepted.length > 0;
      this.setData({ remind: ok ? 'accepted' : 'declined' });
      if (ok) {
        wx.showToast({ title: TEXT.REMIND_ACCEPTED, icon: 'none' });
      }
    });
  },

  onAsk() {
    wx.navigateTo({ url: `/pages/consultations/ask?mentor_id=${encodeURIComponent(this.mentorId)}` });
  },

  onMine() {
    wx.navigateTo({ url: '/pages/appointments/appointments' });
  },

  onOpenBooked() {
    if (this.data.booked) {
      wx.redirectTo({ url: `/pages/appointments/detail?id=${this.data.booked.id}` });
    }
  },
});
