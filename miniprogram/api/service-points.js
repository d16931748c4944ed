/**
 * The service network (服务网点): parks and incubation bases, 就业服务站,
 * 零工驿站, 返乡创业联络站, 双招双引工作站. Public information.
 *
 * A point: { id, name, kind, kind_name, level, township_code, township_name,
 * address, lat, lng (GCJ-02), opening_hours, phone, services,
 * businesses_hosted, distance_m (when a position was given) }.
 */
const http = require('./request');

/**
 * { items, kinds, levels }. filter: { kind, township, lat, lng }; with lat
 * and lng (GCJ-02, as wx.getLocation({ type: 'gcj02' }) gives) the nearest
 * come first.
 */
function getServicePoints(filter = {}, options = {}) {
  const query = {};
  if (filter.kind) query.kind = filter.kind;
  if (filter.township) query.township = filter.township;
  if (Number.isFinite(filter.lat) && Number.isFinite(filter.lng)) {
    query.lat = filter.lat;
    query.lng = filter.lng;
  }
  return http.get('/api/v1/service-points', query, options).then((body) => ({
    items: body && Array.isArray(body.items) ? body.items : [],
    kinds: body && Array.isArray(body.kinds) ? body.kinds : [],
    levels: body && Array.isArray(body.levels) ? body.levels : [],
  }));
}

module.exports = {
  getServicePoints,
};
