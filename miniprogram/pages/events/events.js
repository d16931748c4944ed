/**
 * 活动: the upcoming events, soonest first, each with its kind (政策宣讲,
 * 创业培训 …) as a tag, its time, the training hours a check-in counts
 * (计 3 学时), the points for coming, the places left, and what I have done
 * (已报名 / 已签到). Kind chips on top (全部 + the kinds in the list) filter
 * on the phone, without asking the server again. One button per card: 报名,
 * 取消报名 (after a confirmation), 去签到 while the check-in is open; a full
 * event says 名额已满 plainly.
 */
const eventsApi = require('../../api/events');
const view = require('../../lib/events-view');
const listBehavior = require('../../lib/list-behavior');

const TEXT = {
  SIGNED_UP: '报名成功',
  CANCELLED: '已取消报名',
};

// One page holds every upcoming event (the server sends up to 100).
function fetchEvents() {
  return eventsApi.getEvents({ silent: true })
    .then((items) => ({ items: items.map(view.eventView), hasMore: false }));
}

Page({
  behaviors: [listBehavior],

  data: {
    busy: null,
    cardErrors: {},
    // The chosen kind ('' = 全部) and the chips (only 全部: no chip row).
    kind: '',
    kinds: [],
  },

  onLoad() {
    this.listSetup(fetchEvents);
  },

  // Loaded on every show: after 返乡登记 or a check-in the state changes.
  onShow() {
    if (!this.shown) {
      this.shown = true;
      return this.listReload().then(() => this.updateKinds());
    }
    return this.listRefresh().then(() => this.updateKinds());
  },

  onPullDownRefresh() {
    this.setData({ cardErrors: {} });
    return this.listRefresh().then(() => this.updateKinds());
  },

  onRetry() {
    return this.listReload().then(() => this.updateKinds());
  },

  /** The chips for the list as it is now; a kind no longer in it goes back to 全部. */
  updateKinds() {
    const kinds = view.kindChips(this.data.listItems);
    const kind = kinds.some((k) => k.code === this.data.kind) ? this.data.kind : '';
    this.setData({ kinds, kind });
  },

  /** A chip: filters the cards already loaded (the template hides the others). */
  onKind(e) {
    const kind = (e.currentTarget.dataset.code || '').toString();
    if (kind !== this.data.kind) {
      this.setData({ kind });
    }
  },

  find(e) {
    const id = e.currentTarget.dataset.id;
    return this.data.listItems.find((v) => String(v.id) === String(id));
  },

  replace(event) {
    const next = view.eventView(event);
    this.setData({
      listItems: this.data.listItems.map((v) => (String(v.id) === String(next.id) ? next : v)),
    });
  },

  onSignup(e) {
    const item = this.find(e);
    if (!item || item.action !== 'signup' || this.data.busy) {
      return Promise.resolve();
    }
    this.setData({ busy: item.id, [`cardErrors.${item.id}`]: '' });
    return eventsApi.signUp(item.id, { silent: true }).then(
      (event) => {
        this.setData({ busy: null });
        if (event && event.id) {
          this.replace(event);
        }
        wx.showToast({ title: TEXT.SIGNED_UP, icon: 'success' });
      },
      (err) => this.failed(item, err),
    );
  },

  onCancel(e) {
    const item = this.find(e);
    if (!item || item.action !== 'cancel' || this.data.busy) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      wx.showModal({
        title: '取消报名',
        content: `确定不去「${item.title}」了吗？取消后名额会让给别人。`,
        confirmText: '取消报名',
        cancelText: '不取消',
        success: (res) => {
          if (res && res.confirm) {
            this.cancel(item).then(resolve, resolve);
          } else {
            resolve();
          }
        },
        fail: () => resolve(),
      });
    });
  },

  cancel(item) {
    this.setData({ busy: item.id, [`cardErrors.${item.id}`]: '' });
    return eventsApi.cancelSignup(item.id, { silent: true }).then(
      (event) => {
        this.setData({ busy: null });
        if (event && event.id) {
          this.replace(event);
        }
        wx.showToast({ title: TEXT.CANCELLED, icon: 'none' });
      },
      (err) => this.failed(item, err),
    );
  },

  failed(item, err) {
    this.setData({ busy: null });
    const code = err && err.code;
    if (code === 'NOT_REGISTERED') {
      this.askRegister();
      return;
    }
    this.setData({ [`cardErrors.${item.id}`]: view.signupErrorMessage(err) });
    if (code === 'EVENT_FULL' || code === 'SIGNUP_CLOSED' || (err && err.status === 404)) {
      // The list is out of date: show the places and buttons as they are now.
      this.reloadKeeping(item.id, view.signupErrorMessage(err));
    }
  },

  reloadKeeping(id, message) {
    return this.listRefresh().then(() => {
      this.updateKinds();
      this.setData({ cardErrors: { [id]: message } });
    });
  },

  askRegister() {
    wx.showModal({
      title: '请先登记',
      content: view.SIGNUP_ERRORS.NOT_REGISTERED,
      confirmText: '去登记',
      cancelText: '以后再说',
      success: (res) => {
        if (res && res.confirm) {
          wx.navigateTo({ url: '/pages/register/register' });
        }
      },
    });
  },

  onCheckin() {
    wx.navigateTo({ url: '/pages/checkin/checkin?scan=1' });
  },
});
