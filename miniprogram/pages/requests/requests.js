/**
 * 我的诉求 (pages/requests/requests): the requests I submitted, the latest
 * first: category, status in plain words (超期 when past its due date), the
 * text (two lines), when. Tap → pages/request/request?id=. 提交诉求 on top.
 * Empty, error with 重新加载, pull-down refresh (lib/list-behavior.js);
 * quietly reloaded when coming back.
 */
const requestsApi = require('../../api/requests');
const listBehavior = require('../../lib/list-behavior');
const { shortDateTime } = require('../../lib/mentor-view');

const STATUS = {
  submitted: '等待交办', assigned: '部门办理中', replied: '部门已答复', closed: '已办结',
};

function card(r) {
  let statusText = STATUS[r.status] || r.status_name || r.status || '';
  if (r.overdue) {
    statusText = '已超期，正在催办';
  } else if (r.status === 'closed' && r.can_rate) {
    statusText = '已办结，待评价';
  }
  return {
    id: r.id,
    category: r.category_name || r.category || '',
    text: r.text || '',
    department: r.department ? `承办：${r.department}` : '等待区里交办部门',
    status: r.overdue ? 'overdue' : r.status,
    statusText,
    time: shortDateTime(r.created_at),
  };
}

Page({
  behaviors: [listBehavior],

  data: {
    emptyText: '还没有提交过诉求。遇到政策、审批、用地用工、融资等方面的难题，可以在这里提出来。',
  },

  onLoad() {
    this.listSetup(() => requestsApi.getMyRequests({ silent: true }).then((body) => ({ items: body.items.map(card), hasMore: false })));
    this.loadedOnce = true;
    return this.listReload();
  },

  onShow() {
    if (this.shownOnce) {
      return this.listRefresh();
    }
    this.shownOnce = true;
    return Promise.resolve();
  },

  onPullDownRefresh() {
    return this.listRefresh();
  },

  onRetry() {
    return this.listReload();
  },

  onOpen(e) {
    const id = e && e.currentTarget && e.currentTarget.dataset.id;
    if (id) {
      wx.navigateTo({ url: `/pages/request/request?id=${encodeURIComponent(String(id))}` });
    }
  },

  onNew() {
    wx.navigateTo({ url: '/pages/request-new/request-new' });
  },
});
