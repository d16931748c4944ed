/**
 * 可预约时间 (pages/mentor/availability): the mentor's weekly windows per
 * weekday (quarter hours, Beijing time: 添加时段 / pickers / 删除) and the
 * date ranges off (请假、出差: 添加 / dates / a note / 删除); 保存 →
 * PUT /api/v1/mentor/availability.
 *
 * Bookings are never dropped by a change: the server answers the upcoming
 * appointments that no longer fit (`affected`). They are listed after the
 * save, each with 保留 (nothing to do) or 取消 with a message to the booker.
 */
const mentorsApi = require('../../api/mentors');
const form = require('../../lib/availability-form');
const { todayBeijing } = require('../../lib/datetime');
const { charCount } = require('../../lib/validate');
const view = require('../../lib/mentor-view');

const TEXT = {
  FAILED: '没能打开可预约时间。请检查手机是否连上网络，再点“重试”。',
  FORBIDDEN: '您现在不是在岗的创业导师，不能设置可预约时间。',
  SAVED: '已保存',
  NETWORK: '手机没有连上网络，没有保存。请检查信号后再点“保存”。',
  SAVE_FAILED: '没有保存成功，请稍后再试',
  MESSAGE_EMPTY: '请写一句给对方的话，说明为什么取消',
  MESSAGE_LONG: `给对方的话最多${mentorsApi.CANCEL_MESSAGE_MAX}字`,
};

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    emptyText: '',
    days: [],
    exceptions: [],
    startTimes: form.START_TIMES,
    endTimes: form.END_TIMES,
    today: '',
    formError: '',
    saving: false,
    affected: [],
  },

  onLoad() {
    this.setData({ today: todayBeijing() });
    return this.load();
  },

  load() {
    this.setData({ status: 'loading', errorMessage: '' });
    return mentorsApi.getAvailability({ silent: true }).then(
      (a) => this.show(form.fromAvailability(a)),
      (err) => {
        if (err && err.status === 403) {
          this.setData({ status: 'empty', emptyText: TEXT.FORBIDDEN });
          return;
        }
        this.setData({ status: 'error', errorMessage: (err && err.status ? err.message : '') || TEXT.FAILED });
      },
    );
  },

  /** The form on the page, with the picker positions of each time. */
  show(f) {
    this.form = f;
    this.setData({
      status: 'ready',
      days: f.days.map((d) => Object.assign({}, d, {
        windows: d.windows.map((w) => Object.assign({}, w, {
          startIndex: Math.max(0, form.START_TIMES.indexOf(w.start)),
          endIndex: Math.max(0, form.END_TIMES.indexOf(w.end)),
        })),
      })),
      exceptions: f.exceptions.map((x) => Object.assign({}, x)),
    });
  },

  changed() {
    this.setData({ formError: '' });
    this.show(this.form);
  },

  onRetry() {
    return this.load();
  },

  // ---- weekly windows ----------------------------------------------------------------

  onAddWindow(e) {
    const day = this.form.days[Number(e.currentTarget.dataset.day)];
    day.windows.push(form.newWindow(day));
    this.changed();
  },

  onRemoveWindow(e) {
    const { day, index } = e.currentTarget.dataset;
    this.form.days[Number(day)].windows.splice(Number(index), 1);
    this.changed();
  },

  onWindowTime(e) {
    const { day, index, which } = e.currentTarget.dataset;
    const w = this.form.days[Number(day)].windows[Number(index)];
    const list = which === 'end' ? form.END_TIMES : form.START_TIMES;
    w[which] = list[Number(e.detail.value)] || w[which];
    this.changed();
  },

  // ---- exceptions -----------------------------------------------------------------------

  onAddException() {
    const today = todayBeijing();
    this.form.exceptions.push({
      key: `x${Date.now()}${this.form.exceptions.length}`, from: today, to: today, note: '',
    });
    this.changed();
  },

  onRemoveException(e) {
    this.form.exceptions.splice(Number(e.currentTarget.dataset.index), 1);
    this.changed();
  },

  onExceptionDate(e) {
    const { index, which } = e.currentTarget.dataset;
    this.form.exceptions[Number(index)][which] = String(e.detail.value);
    this.changed();
  },

  onExceptionNote(e) {
    const index = Number(e.currentTarget.dataset.index);
    this.form.exceptions[index].note = String((e.detail && e.detail.value) || '');
  },

  // ---- 保存 -------------------------------------------------------------------------------

  onSave() {
    if (this.data.saving || this.data.status !== 'ready' || !this.form) {
      return Promise.resolve();
    }
    const problem = form.problems(this.form);
    if (problem) {
      this.setData({ formError: problem });
      return Promise.resolve();
    }
    this.setData({ saving: true, formError: '', affected: [] });
    return mentorsApi.saveAvailability(form.toAvailability(this.form), { silent: true }).then(
      ({ availability, affected }) => {
        this.setData({ saving: false });
        this.show(form.fromAvailability(availability));
        this.setData({
          affected: affected.map((a) => Object.assign(view.appointmentCard(a), {
            decided: '', cancelling: false, message: '', error: '',
          })),
        });
        wx.showToast({ title: TEXT.SAVED, icon: 'none' });
      },
      (err) => {
        let message = (err && err.status && err.message) || TEXT.SAVE_FAILED;
        if (err && err.status === 0) {
          message = TEXT.NETWORK;
        }
        this.setData({ saving: false, formError: message });
      },
    );
  },

  // ---- appointments that no longer fit -----------------------------------------------------

  affectedIndex(e) {
    return Number(e.currentTarget.dataset.index);
  },

  onKeep(e) {
    this.setData({ [`affected[${this.affectedIndex(e)}].decided`]: 'kept' });
  },

  onStartCancel(e) {
    this.setData({ [`affected[${this.affectedIndex(e)}].cancelling`]: true });
  },

  onAffectedMessage(e) {
    this.setData({ [`affected[${this.affectedIndex(e)}].message`]: String((e.detail && e.detail.value) || '') });
  },

  onCancelAffected(e) {
    const i = this.affectedIndex(e);
    const item = this.data.affected[i];
    const message = String(item.message || '').trim();
    if (!message || charCount(message) > mentorsApi.CANCEL_MESSAGE_MAX) {
      this.setData({ [`affected[${i}].error`]: message ? TEXT.MESSAGE_LONG : TEXT.MESSAGE_EMPTY });
      return Promise.resolve();
    }
    this.setData({ [`affected[${i}].error`]: '' });
    return mentorsApi.mentorCancel(item.id, message, { silent: true }).then(
      () => this.setData({ [`affected[${i}].decided`]: 'cancelled', [`affected[${i}].cancelling`]: false }),
      (err) => this.setData({ [`affected[${i}].error`]: view.actionProblem(err) }),
    );
  },
});
