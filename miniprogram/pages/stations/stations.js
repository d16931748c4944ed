/**
 * 服务网点 (pages/stations/stations): parks, 就业服务站, 零工驿站,
 * 返乡创业联络站, 双招双引工作站. By township (a picker; the person's own
 * township first when registered) or 离我最近 (wx.getLocation, GCJ-02, read
 * once on that tap, sent with the one request, not stored). Refused or off:
 * one plain sentence and the person's township. A list or a map with
 * markers; 打电话 and 导航 (wx.openLocation) on every point.
 */
const pointsApi = require('../../api/service-points');
const returneeApi = require('../../api/returnee');
const view = require('../../lib/stations-view');

const DISTRICT = { lat: 29.852, lng: 114.322 }; // 咸安区, the map's centre without points
const ALL_TOWNSHIPS = { code: '', name: '全区' };
const ALL_KINDS = { code: '', name: '全部' };

const TEXT = {
  FAILED: '没能加载网点。请检查手机是否连上网络，再点“重新加载”。',
  EMPTY_TOWNSHIP: '这个乡镇暂时没有登记的网点，可以选“全区”看看。',
  EMPTY: '暂时没有这类网点。',
  SETTINGS: '想用“离我最近”，请点右上角“···”→“设置”，打开“位置信息”。',
};

Page({
  data: {
    status: 'loading',
    errorMessage: '',
    emptyText: TEXT.EMPTY,
    mode: 'township',
    townships: [ALL_TOWNSHIPS],
    townshipNames: [ALL_TOWNSHIPS.name],
    townshipIndex: 0,
    kinds: [ALL_KINDS],
    kind: '',
    points: [],
    shown: [],
    markers: [],
    center: DISTRICT,
    showMap: false,
    selected: null,
    locating: false,
    notice: '',
    settingsHint: '',
  },

  onLoad() {
    this.home = '';
    return Promise.all([
      returneeApi.getRegions('').catch(() => []),
      returneeApi.getMyReturnee().catch(() => null),
    ]).then(([townships, record]) => {
      const list = [ALL_TOWNSHIPS].concat(townships || []);
      this.home = (record && record.township_code) || '';
      const index = Math.max(0, list.findIndex((t) => t.code === this.home));
      this.setData({
        townships: list,
        townshipNames: list.map((t) => t.name),
        townshipIndex: index,
      });
      return this.load(true);
    });
  },

  township() {
    return this.data.townships[this.data.townshipIndex] || ALL_TOWNSHIPS;
  },

  load(showLoading) {
    if (showLoading) {
      this.setData({ status: 'loading', errorMessage: '' });
    }
    const filter = { kind: this.data.kind };
    if (this.data.mode === 'nearest' && this.position) {
      filter.lat = this.position.lat;
      filter.lng = this.position.lng;
    } else {
      filter.township = this.township().code;
    }
    this.seq = (this.seq || 0) + 1;
    const seq = this.seq;
    return pointsApi.getServicePoints(filter, { silent: true }).then(
      (body) => {
        if (seq !== this.seq) return;
        const points = body.items.map(view.pointView);
        const withPosition = points.find((p) => p.canNavigate);
        let center = DISTRICT;
        if (this.data.mode === 'nearest' && this.position) center = this.position;
        else if (withPosition) center = { lat: withPosition.lat, lng: withPosition.lng };
        this.setData({
          status: points.length ? 'ready' : 'empty',
          emptyText: filter.township ? TEXT.EMPTY_TOWNSHIP : TEXT.EMPTY,
          points,
          markers: view.markers(points),
          center,
          selected: null,
          shown: this.data.showMap ? [] : points,
          kinds: body.kinds.length ? [ALL_KINDS].concat(body.kinds) : this.data.kinds,
        });
      },
      (err) => {
        if (seq !== this.seq) return;
        this.setData({ status: 'error', errorMessage: (err && err.status ? err.message : '') || TEXT.FAILED });
      },
    );
  },

  onTownship(e) {
    const index = Number(e.detail.value) || 0;
    this.setData({
      townshipIndex: index, mode: 'township', notice: '', settingsHint: '',
    });
    return this.load(true);
  },

  onKind(e) {
    this.setData({ kind: e.currentTarget.dataset.code || '' });
    return this.load(true);
  },

  onNearest() {
    if (this.data.locating) {
      return Promise.resolve();
    }
    this.setData({ locating: true });
    return new Promise((resolve) => {
      wx.getLocation({
        type: 'gcj02',
        success: (res) => {
          // Kept only in memory, for this page.
          this.position = { lat: res.latitude, lng: res.longitude };
          this.setData({
            locating: false, mode: 'nearest', notice: '', settingsHint: '',
          });
          this.load(true).then(resolve);
        },
        fail: (res) => {
          const errMsg = res && res.errMsg;
          const index = Math.max(0, this.data.townships.findIndex((t) => t.code === this.home));
          const home = this.home ? this.data.townships[index] : null;
          this.setData({
            locating: false,
            mode: 'township',
            townshipIndex: home ? index : 0,
            notice: view.locationFallbackText(errMsg, home ? home.name : ''),
            settingsHint: view.isRefusal(errMsg) ? TEXT.SETTINGS : '',
          });
          this.load(true).then(resolve);
        },
      });
    });
  },

  onToggleMap() {
    const showMap = !this.data.showMap;
    this.setData({ showMap, selected: null, shown: showMap ? [] : this.data.points });
  },

  onMarkerTap(e) {
    const index = Number(e.detail && e.detail.markerId);
    const point = this.data.points[index];
    this.setData({ selected: point || null, shown: point ? [point] : [] });
  },

  find(e) {
    const id = e.currentTarget.dataset.id;
    return this.data.points.find((p) => String(p.id) === String(id));
  },

  onCall(e) {
    const point = this.find(e);
    if (point && point.dialPhone) {
      wx.makePhoneCall({ phoneNumber: point.dialPhone, fail: () => {} });
    }
  },

  onNavigate(e) {
    const point = this.find(e);
    if (point && point.canNavigate) {
      wx.openLocation({
        latitude: point.lat,
        longitude: point.lng,
        name: point.name,
        address: point.address,
        scale: 16,
      });
    }
  },

  onPullDownRefresh() {
    const stop = () => wx.stopPullDownRefresh && wx.stopPullDownRefresh();
    return this.load(false).then(stop, stop);
  },

  onRetry() {
    return this.load(true);
  },
});
