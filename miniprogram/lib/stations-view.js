/**
 * 服务网点 in plain words: cards (kind, where, hours, distance), map
 * markers, and what to say when the position cannot be read.
 */
const { dialable } = require('./library-view');

const LEVELS = { district: '区级', township: '镇级', village: '村级' };

/** "约 800 米", "约 1.2 公里", "约 15 公里" ('' without a distance). */
function distanceText(metres) {
  if (typeof metres !== 'number' || !Number.isFinite(metres) || metres < 0) {
    return '';
  }
  if (metres < 1000) {
    return `离您约 ${Math.max(10, Math.round(metres / 10) * 10)} 米`;
  }
  const km = metres / 1000;
  return `离您约 ${km < 10 ? km.toFixed(1) : Math.round(km)} 公里`;
}

const hasPosition = (p) => Number.isFinite(p && p.lat) && Number.isFinite(p && p.lng);

function pointView(p) {
  const point = p || {};
  return {
    id: point.id,
    name: point.name || '',
    kind: point.kind || '',
    kindName: point.kind_name || '',
    level: LEVELS[point.level] || '',
    township: point.township_name || '',
    address: point.address || '',
    hours: point.opening_hours || '',
    services: point.services || '',
    hosted: point.kind === 'park' && Number.isInteger(point.businesses_hosted) ? `入驻企业 ${point.businesses_hosted} 家` : '',
    phone: point.phone || '',
    dialPhone: dialable(point.phone),
    distance: distanceText(point.distance_m),
    lat: hasPosition(point) ? point.lat : null,
    lng: hasPosition(point) ? point.lng : null,
    canNavigate: hasPosition(point),
  };
}

// The pin drawn by test/tools/make-tab-icons.js (its tip is the bottom centre,
// where WeChat anchors a marker by default).
const MARKER_ICON = '/images/map-marker.png';

/** Markers for <map>: numeric ids (the index in the list), our pin, name on tap. */
function markers(points) {
  return (points || []).map((p, index) => ({ p, index })).filter(({ p }) => p.canNavigate).map(({ p, index }) => ({
    id: index,
    latitude: p.lat,
    longitude: p.lng,
    title: p.name,
    iconPath: MARKER_ICON,
    width: 36,
    height: 36,
    callout: {
      content: p.name, display: 'BYCLICK', fontSize: 16, padding: 8, borderRadius: 6,
    },
  }));
}

/** What to say when 离我最近 cannot use the position, falling back to `township` (a name, or ''). */
function locationFallbackText(errMsg, township) {
  const msg = String(errMsg || '');
  let why = '没能读到您的位置';
  if (/auth deny|auth denied|authorize no response|privacy/.test(msg)) {
    why = '您没有允许使用位置';
  } else if (/system permission denied|location service|locationSwitchOff|ERROR_NOCELL|ERROR_NETWORK/.test(msg)) {
    why = '手机的定位没有打开';
  }
  return township
    ? `${why}，先列出您登记的${township}的网点。`
    : `${why}，先列出全区的网点，您可以在上面选乡镇。`;
}

/** Whether the failure was the user refusing (then 去设置里打开 helps). */
function isRefusal(errMsg) {
  return /auth deny|auth denied/.test(String(errMsg || ''));
}

module.exports = {
  MARKER_ICON,
  LEVELS,
  distanceText,
  pointView,
  markers,
  locationFallbackText,
  isRefusal,
};
