/**
 * 创业导师 (pages/mentors/mentors): the active mentors as cards (photo,
 * name, organisation and title, fields, how they meet), narrowed to one
 * field with the chips on top (the intended_field option list, as on 返乡登记).
 * Tap a card → pages/mentors/detail?id=. Loading, empty, error with 重试,
 * pull-down refresh.
 */
const mentorsApi = require('../../api/mentors');
const returneeApi = require('../../api/returnee');
const { mentorCard } = require('../../lib/mentor-view');

const TEXT = {
  EMPTY: '暂时没有导师',
  EMPTY_FIELD: '这个领域暂时没有导师，可以看看“全部”',
  FAILED: '没能加载导师名单。请检查手机是否连上网络，再点“重试”。',
};

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    emptyText: TEXT.EMPTY,
    fields: [],
    field: '',
    items: [],
  },

  onLoad() {
    this.fieldOptions = [];
    // The option list is cached on the phone; without it the chips are just missing.
    returneeApi.getOptions().then((o) => {
      this.fieldOptions = o.intended_field || [];
      this.setData({ fields: this.fieldOptions.map((f) => ({ code: f.code, label: f.label })) });
      if (this.mentors) {
        this.show(this.mentors);
      }
    }, () => {});
    return this.load(true);
  },

  load(showLoading) {
    if (showLoading) {
      this.setData({ status: 'loading', errorMessage: '' });
    }
    return mentorsApi.getMentors(this.data.field, { silent: true }).then(
      (body) => this.show(body.items),
      (err) => this.setData({ status: 'error', errorMessage: (err && err.status ? err.message : '') || TEXT.FAILED }),
    );
  },

  show(mentors) {
    this.mentors = mentors;
    const items = mentors.map((m) => mentorCard(m, this.fieldOptions));
    this.setData({
      status: items.length ? 'ready' : 'empty',
      emptyText: this.data.field ? TEXT.EMPTY_FIELD : TEXT.EMPTY,
      items,
    });
  },

  onRetry() {
    return this.load(true);
  },

  onPullDownRefresh() {
    const stop = () => wx.stopPullDownRefresh && wx.stopPullDownRefresh();
    return this.load(false).then(stop, stop);
  },

  onField(e) {
    const code = (e && e.currentTarget && e.currentTarget.dataset.code) || '';
    if (code === this.data.field) {
      return Promise.resolve();
    }
    this.setData({ field: code });
    return this.load(true);
  },

  onOpen(e) {
    const id = e && e.currentTarget && e.currentTarget.dataset.id;
    if (id) {
      wx.navigateTo({ url: `/pages/mentors/detail?id=${encodeURIComponent(String(id))}` });
    }
  },

  onPhotoError(e) {
    const id = e && e.currentTarget && e.currentTarget.dataset.id;
    const index = this.data.items.findIndex((m) => String(m.id) === String(id));
    if (index >= 0) {
      this.setData({ [`items[${index}].photo`]: '' });
    }
  },

  onMine() {
    wx.navigateTo({ url: '/pages/appointments/appointments' });
  },
});
