/**
 * 预约详情 (pages/appointments/detail?id=N): the page the inbox opens for
 * BOTH sides of an appointment; `viewer` (GET /api/v1/appointments/{id})
 * says which.
 *
 * - The booker: mentor, time, how, topic, status; 取消预约 (requested or
 *   confirmed; within 2 hours of the start the server says
 *   TOO_LATE_TO_CANCEL: 开始前 2 小时内不能取消); after attended, a rating
 *   (1–5 stars, a comment) once.
 * - The mentor: the booker's name, topic and mode; requested → 确认 / 婉拒;
 *   confirmed → 已到场 (with a note) / 没有到场 / 取消 (with a message to
 *   the booker).
 * After each action the appointment is shown as the server answered it.
 *
 * The mentor's 确认 tap also asks for the notice consent (WeChat's rule:
 * from the tap), so that the reminders a day and an hour before reach
 * WeChat; not when pushes are off in 消息推送 or the consent is long-term
 * (lib/subscribe.js noticeTemplateToAsk). The confirmation is sent whatever
 * the answer.
 */
const mentorsApi = require('../../api/mentors');
const subscribe = require('../../lib/subscribe');
const { charCount } = require('../../lib/validate');
const view = require('../../lib/mentor-view');

const TEXT = {
  NO_ID: '没有找到这个预约。',
  NOT_FOUND: '没有找到这个预约，可能不是您的预约。',
  FAILED: '没能打开这个预约。请检查手机是否连上网络，再点“重试”。',
  CANCELLED: '已取消预约',
  RATE_PICK: '请点星星打分（1到5颗星）',
  COMMENT_LONG: `评价最多${mentorsApi.COMMENT_MAX}字`,
  NOTE_LONG: `记录最多${mentorsApi.NOTE_MAX}字`,
  MESSAGE_EMPTY: '请写一句给对方的话，说明为什么取消',
  MESSAGE_LONG: `给对方的话最多${mentorsApi.CANCEL_MESSAGE_MAX}字`,
  DONE: {
    confirm: '已确认，已告诉对方',
    decline: '已婉拒，已告诉对方',
    attended: '已记为到场',
    'no-show': '已记为没有到场',
    cancel: '已取消，已告诉对方',
  },
};

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    emptyText: TEXT.NO_ID,
    appt: null,
    viewer: '',
    note: '',
    cancelMessage: '',
    cancelling: false,
    stars: 0,
    starList: [1, 2, 3, 4, 5],
    comment: '',
    problem: '',
    working: false,
    // The mentor's 确认 asks for the notice consent: the line saying so.
    canRemind: false,
  },

  onLoad(query) {
    this.apptId = query && query.id ? String(query.id) : '';
    this.noticeTemplate = '';
    return this.load(true);
  },

  load(showLoading) {
    if (!/^[0-9]+$/.test(this.apptId)) {
      this.setData({ status: 'empty', emptyText: TEXT.NO_ID });
      return Promise.resolve();
    }
    if (showLoading) {
      this.setData({ status: 'loading', errorMessage: '' });
    }
    return mentorsApi.getAppointment(this.apptId, { silent: true }).then(
      (a) => this.show(a, a.viewer),
      (err) => {
        if (err && err.code === 'NOT_FOUND') {
          this.setData({ status: 'empty', emptyText: TEXT.NOT_FOUND });
          return;
        }
        this.setData({ status: 'error', errorMessage: (err && err.status ? err.message : '') || TEXT.FAILED });
      },
    );
  },

  /** The appointment as answered (actions answer it without `viewer`). */
  show(a, viewer) {
    const card = view.appointmentCard(a);
    Object.assign(card, {
      note: a.note || '',
      cancelledByMentor: a.status === 'cancelled' && a.cancelled_by === 'mentor',
      cancelMessage: a.cancel_message || '',
      rated: !!a.stars,
      ratedText: view.starsText(a.stars),
      comment: a.comment || '',
    });
    const live = a.status === 'requested' || a.status === 'confirmed';
    const who = viewer || this.data.viewer || 'booker';
    if (who === 'mentor' && a.status === 'requested' && !this.noticeAsked) {
      // Read once, quietly, while the mentor looks at the request.
      this.noticeAsked = true;
      subscribe.noticeTemplateToAsk().then((id) => {
        this.noticeTemplate = id;
        this.setData({ canRemind: !!id });
      });
    }
    this.setData({
      status: 'ready',
      viewer: viewer || this.data.viewer || 'booker',
      appt: card,
      canCancel: live,
      canRate: a.status === 'attended' && !a.stars,
      cancelling: false,
    });
  },

  onRetry() {
    return this.load(true);
  },

  /** After a refused action: the message, and the appointment as it is now. */
  failed(err) {
    this.setData({ working: false, problem: view.actionProblem(err) });
    if (err && err.code === 'INVALID_TRANSITION') {
      return this.load(false);
    }
    return undefined;
  },

  // ---- the booker -------------------------------------------------------------

  onCancel() {
    wx.showModal({
      title: '取消这个预约？',
      content: '取消后这个时间会让给别人。开始前 2 小时内不能取消。',
      confirmText: '取消预约',
      cancelText: '不取消',
      success: (res) => {
        if (res && res.confirm) {
          this.doCancel();
        }
      },
    });
  },

  doCancel() {
    this.setData({ working: true, problem: '' });
    return mentorsApi.cancelAppointment(this.apptId, { silent: true }).then(
      (a) => {
        this.setData({ working: false });
        this.show(a);
        wx.showToast({ title: TEXT.CANCELLED, icon: 'none' });
      },
      (err) => this.failed(err),
    );
  },

  onStar(e) {
    this.setData({ stars: Number(e.currentTarget.dataset.n) || 0, problem: '' });
  },

  onComment(e) {
    this.setData({ comment: String((e && e.detail && e.detail.value) || '') });
  },

  onRate() {
    if (this.data.working) {
      return Promise.resolve();
    }
    if (!this.data.stars) {
      this.setData({ problem: TEXT.RATE_PICK });
      return Promise.resolve();
    }
    if (charCount(this.data.comment.trim()) > mentorsApi.COMMENT_MAX) {
      this.setData({ problem: TEXT.COMMENT_LONG });
      return Promise.resolve();
    }
    this.setData({ working: true, problem: '' });
    return mentorsApi.rateAppointment(this.apptId, this.data.stars, this.data.comment, { silent: true }).then(
      (a) => {
        this.setData({ working: false });
        this.show(a);
        wx.showToast({ title: '谢谢您的评价', icon: 'none' });
      },
      (err) => this.failed(err),
    );
  },

  // ---- the mentor -------------------------------------------------------------

  onNote(e) {
    this.setData({ note: String((e && e.detail && e.detail.value) || '') });
  },

  onCancelMessage(e) {
    this.setData({ cancelMessage: String((e && e.detail && e.detail.value) || '') });
  },

  onAction(e) {
    const action = e.currentTarget.dataset.action;
    if (this.data.working || mentorsApi.MENTOR_ACTIONS.indexOf(action) < 0) {
      return Promise.resolve();
    }
    const extra = {};
    if (action === 'attended') {
      if (charCount(this.data.note.trim()) > mentorsApi.NOTE_MAX) {
        this.setData({ problem: TEXT.NOTE_LONG });
        return Promise.resolve();
      }
      extra.note = this.data.note;
    }
    if (action === 'cancel') {
      const message = this.data.cancelMessage.trim();
      if (!message) {
        this.setData({ problem: TEXT.MESSAGE_EMPTY });
        return Promise.resolve();
      }
      if (charCount(message) > mentorsApi.CANCEL_MESSAGE_MAX) {
        this.setData({ problem: TEXT.MESSAGE_LONG });
        return Promise.resolve();
      }
      extra.message = message;
    }
    if (action === 'confirm' && this.noticeTemplate) {
      // Still inside the tap; the answer does not hold the confirmation up.
      subscribe.askConsent(this.noticeTemplate);
    }
    this.setData({ working: true, problem: '' });
    return mentorsApi.mentorAction(this.apptId, action, extra, { silent: true }).then(
      (a) => {
        this.setData({ working: false });
        this.show(a);
        wx.showToast({ title: TEXT.DONE[action], icon: 'none' });
      },
      (err) => this.failed(err),
    );
  },

  /** The mentor's 取消: first the message box. */
  onStartCancel() {
    this.setData({ cancelling: true, problem: '' });
  },

  onStopCancel() {
    this.setData({ cancelling: false, problem: '' });
  },
});
