/**
 * 政策 (the policy library): category chips, a search box (the server
 * searches Chinese), 适合我 (only the policies my record fits) and 我的收藏;
 * cards with title, category, summary and until when the policy runs. Tap a
 * card for the detail. Pull down to refresh, more on scroll.
 */
const libraryApi = require('../../api/library');
const view = require('../../lib/library-view');
const listBehavior = require('../../lib/list-behavior');

const ALL = { code: '', name: '全部' };

const EMPTY = {
  favorites: '您还没有收藏政策。看到有用的政策，点“收藏”，就会放在这里。',
  forMe: '暂时没有找到适合您的政策。先把返乡登记填完整，或者关掉“适合我”看看全部政策。',
  search: (q) => `没有找到含“${q}”的政策，换个说法试试，比如“补贴”“贷款”。`,
  plain: '这一类暂时没有政策，过些日子再来看看。',
};

Page({
  behaviors: [listBehavior],

  data: {
    categories: [ALL],
    category: '',
    typed: '',
    q: '',
    forMe: false,
    favorites: false,
    emptyText: EMPTY.plain,
  },

  onLoad(query) {
    const q = query || {};
    this.setData({
      category: q.category || '',
      favorites: q.favorites === '1',
      forMe: q.for_me === '1',
    });
    this.names = {};
    this.listSetup((page) => this.fetch(page));
    this.listReload();
  },

  onShow() {
    // Back from a detail where a favourite was changed: 我的收藏 is up to date.
    if (this.shownOnce && this.data.favorites) {
      this.listRefresh();
    }
    this.shownOnce = true;
  },

  fetch(page) {
    const filter = {
      category: this.data.category,
      q: this.data.q,
      forMe: this.data.forMe,
      favorites: this.data.favorites,
    };
    return libraryApi.getLibrary(filter, page, { silent: true }).then((body) => {
      if (body.categories.length) {
        this.names = view.categoryNames(body.categories);
        this.setData({ categories: [ALL].concat(body.categories) });
      }
      return {
        items: body.items.map((item) => view.cardView(item, this.names)),
        hasMore: body.page * body.page_size < body.total,
      };
    });
  },

  reload() {
    let emptyText = EMPTY.plain;
    if (this.data.favorites) emptyText = EMPTY.favorites;
    else if (this.data.forMe) emptyText = EMPTY.forMe;
    else if (this.data.q) emptyText = EMPTY.search(this.data.q);
    this.setData({ emptyText });
    return this.listReload();
  },

  onCategory(e) {
    const code = e.currentTarget.dataset.code || '';
    if (code === this.data.category) {
      return Promise.resolve();
    }
    this.setData({ category: code });
    return this.reload();
  },

  onTyping(e) {
    this.setData({ typed: (e.detail && e.detail.value) || '' });
  },

  onSearch(e) {
    const value = e && e.detail && typeof e.detail.value === 'string' ? e.detail.value : this.data.typed;
    const q = String(value || '').trim();
    this.setData({ typed: value || '', q });
    return this.reload();
  },

  onClear() {
    this.setData({ typed: '', q: '' });
    return this.reload();
  },

  onForMe(e) {
    this.setData({ forMe: !!(e.detail && e.detail.value) });
    return this.reload();
  },

  onFavorites() {
    this.setData({ favorites: !this.data.favorites });
    return this.reload();
  },

  onOpen(e) {
    const id = e.currentTarget.dataset.id;
    if (id) {
      wx.navigateTo({ url: `/pages/policy/policy?id=${encodeURIComponent(id)}` });
    }
  },

  onPullDownRefresh() {
    return this.listRefresh();
  },

  onReachBottom() {
    return this.listMore();
  },

  onRetry() {
    return this.listReload();
  },

  onMore() {
    return this.listMore();
  },
});
