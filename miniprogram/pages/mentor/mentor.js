/**
 * 导师工作台 (pages/mentor/mentor): for active mentors (我的 shows the entry
 * when GET /api/v1/me says mentor: true).
 *
 * - 待回复问诊: the consultations assigned to me that are not closed, the
 *   earliest due first; the overdue ones marked. Tap → the thread.
 * - 预约: my appointments by status (待确认, 已确认, 已结束), each with its
 *   time, booker, topic; 确认 right on a requested one; tap → the detail
 *   (婉拒, 到场, 取消 with a message).
 *   确认 also asks for the notice consent from the tap (the reminders a day
 *   and an hour before), unless pushes are off in 消息推送 or the consent is
 *   long-term (lib/subscribe.js noticeTemplateToAsk); the confirmation is
 *   sent whatever the answer.
 * - 可预约时间 → pages/mentor/availability.
 * Loading, error with 重试; 403 (not or no longer a mentor) said plainly.
 */
const consultationsApi = require('../../api/consultations');
const mentorsApi = require('../../api/mentors');
const subscribe = require('../../lib/subscribe');
const view = require('../../lib/mentor-view');

const TABS = [
  { key: 'requested', title: '待确认' },
  { key: 'confirmed', title: '已确认' },
  { key: 'done', title: '已结束' },
];
const DONE = ['declined', 'cancelled', 'attended', 'no_show'];

const TEXT = {
  FAILED: '没能打开导师工作台。请检查手机是否连上网络，再点“重试”。',
  FORBIDDEN: '您现在不是在岗的创业导师，没有工作台。如有疑问请联系区人社局。',
  NO_CONSULTATIONS: '没有要回复的问题',
  NO_APPOINTMENTS: {
    requested: '没有待确认的预约',
    confirmed: '没有已确认的预约',
    done: '还没有结束的预约',
  },
  CONFIRMED: '已确认，已告诉对方',
};

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    emptyText: '',
    tabs: TABS,
    tab: 'requested',
    consultations: [],
    appointments: [],
    counts: {},
    noAppointments: TEXT.NO_APPOINTMENTS.requested,
    problem: '',
    working: false,
    canRemind: false,
  },

  onLoad() {
    this.noticeTemplate = '';
    subscribe.noticeTemplateToAsk().then((id) => {
      this.noticeTemplate = id;
      this.setData({ canRemind: !!id });
    });
    return this.load(true);
  },

  onShow() {
    if (this.loadedOnce) {
      return this.load(false);
    }
    return Promise.resolve();
  },

  load(showLoading) {
    if (showLoading) {
      this.setData({ status: 'loading', errorMessage: '' });
    }
    return Promise.all([
      consultationsApi.getMentorConsultations({ silent: true }),
      mentorsApi.getMentorAppointments('', { silent: true }),
    ]).then(
      ([consults, appts]) => {
        this.loadedOnce = true;
        this.all = appts.items;
        this.setData({
          status: 'ready',
          consultations: consults.items.filter((c) => c.status !== 'closed').map((c) => ({
            id: c.id,
            question: c.question || '',
            asker: (c.asker && c.asker.name) || '提问人',
            statusText: view.CONSULTATION_STATUS[c.status] || '',
            due: c.due_at && !c.first_reply_at ? `请在 ${view.shortDateTime(c.due_at)} 前回复` : '',
            overdue: !!c.overdue,
          })),
        });
        this.showTab();
      },
      (err) => {
        if (err && err.status === 403) {
          this.setData({ status: 'empty', emptyText: TEXT.FORBIDDEN });
          return;
        }
        if (this.data.status !== 'ready') {
          this.setData({ status: 'error', errorMessage: (err && err.status ? err.message : '') || TEXT.FAILED });
        }
      },
    );
  },

  showTab() {
    const tab = this.data.tab;
    const inTab = (a) => (tab === 'done' ? DONE.indexOf(a.status) >= 0 : a.status === tab);
    const counts = {};
    TABS.forEach((t) => {
      counts[t.key] = (this.all || []).filter((a) => (t.key === 'done' ? DONE.indexOf(a.status) >= 0 : a.status === t.key)).length;
    });
    this.setData({
      counts,
      appointments: (this.all || []).filter(inTab).map(view.appointmentCard),
      noAppointments: TEXT.NO_APPOINTMENTS[tab],
    });
  },

  onRetry() {
    return this.load(true);
  },

  onPullDownRefresh() {
    const stop = () => wx.stopPullDownRefresh && wx.stopPullDownRefresh();
    return this.load(false).then(stop, stop);
  },

  onTab(e) {
    this.setData({ tab: e.currentTarget.dataset.key, problem: '' });
    this.showTab();
  },

  onOpenConsultation(e) {
    wx.navigateTo({ url: `/pages/consultations/detail?id=${e.currentTarget.dataset.id}` });
  },

  onOpenAppointment(e) {
    wx.navigateTo({ url: `/pages/appointments/detail?id=${e.currentTarget.dataset.id}` });
  },

  onConfirm(e) {
    const id = e.currentTarget.dataset.id;
    if (this.data.working) {
      return Promise.resolve();
    }
    if (this.noticeTemplate) {
      // Still inside the tap; the answer does not hold the confirmation up.
      subscribe.askConsent(this.noticeTemplate);
    }
    this.setData({ working: true, problem: '' });
    return mentorsApi.confirmAppointment(id, { silent: true }).then(
      (a) => {
        this.all = this.all.map((x) => (String(x.id) === String(a.id) ? a : x));
        this.setData({ working: false });
        this.showTab();
        wx.showToast({ title: TEXT.CONFIRMED, icon: 'none' });
      },
      (err) => {
        this.setData({ working: false, problem: view.actionProblem(err) });
        return this.load(false);
      },
    );
  },

  onAvailability() {
    wx.navigateTo({ url: '/pages/mentor/availability' });
  },
});
