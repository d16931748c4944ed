/**
 * Draws the tab bar icons (images/tab-*.png, 81×81, transparent) and the
 * 服务网点 map marker (images/map-marker.png, a red pin whose tip is the
 * bottom centre) from simple shapes: `node test/tools/make-tab-icons.js`. Unselected #5c5c5c, selected
 * the theme red #b8392b. Kept here (not packaged) so the icons can be
 * redrawn in another colour.
 */
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const SIZE = 81;
const SS = 4; // supersampling per axis
const COLOURS = { normal: [0x5c, 0x5c, 0x5c], active: [0xb8, 0x39, 0x2b] };

// Shapes in a 0..1 box; each returns true when (x, y) is inked.
const inRect = (x, y, x0, y0, x1, y1) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
const inCircle = (x, y, cx, cy, r) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const inRoundRect = (x, y, x0, y0, x1, y1, r) => {
  if (!inRect(x, y, x0, y0, x1, y1)) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return inCircle(x, y, cx, cy, r);
};
const side = (x, y, ax, ay, bx, by) => (bx - ax) * (y - ay) - (by - ay) * (x - ax);
const inTriangle = (x, y, a, b, c) => {
  const s1 = side(x, y, ...a, ...b);
  const s2 = side(x, y, ...b, ...c);
  const s3 = side(x, y, ...c, ...a);
  return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
};
const ring = (x, y, inside, inner) => inside(x, y) && !inner(x, y);

const ICONS = {
  // 首页: a house with a door.
  home: (x, y) => (inTriangle(x, y, [0.5, 0.1], [0.08, 0.48], [0.92, 0.48])
      || inRect(x, y, 0.2, 0.44, 0.8, 0.88))
    && !inRoundRect(x, y, 0.41, 0.6, 0.59, 0.9, 0.04),
  // 办事: four tiles.
  services: (x, y) => [[0.12, 0.12], [0.54, 0.12], [0.12, 0.54], [0.54, 0.54]]
    .some(([x0, y0]) => inRoundRect(x, y, x0, y0, x0 + 0.34, y0 + 0.34, 0.07)),
  // 消息: an envelope.
  messages: (x, y) => {
    const body = (px, py) => inRoundRect(px, py, 0.08, 0.2, 0.92, 0.8, 0.06);
    const hollow = (px, py) => inRect(px, py, 0.15, 0.27, 0.85, 0.73);
    const flap = Math.abs(y - (0.27 + 0.32 * (1 - Math.abs(x - 0.5) / 0.42))) < 0.045 && x > 0.12 && x < 0.88 && y < 0.62;
    return ring(x, y, body, hollow) || (hollow(x, y) && flap);
  },
  // 我的: a person, head and shoulders.
  mine: (x, y) => inCircle(x, y, 0.5, 0.3, 0.19)
    || (y >= 0.58 && y <= 0.9 && ((x - 0.5) / 0.36) ** 2 + ((y - 0.9) / 0.32) ** 2 <= 1),
};

// 服务网点 map marker: a pin (round head with a hole, tip at the bottom centre).
const MARKER = (x, y) => (inCircle(x, y, 0.5, 0.36, 0.3)
    || inTriangle(x, y, [0.235, 0.5], [0.765, 0.5], [0.5, 0.98]))
  && !inCircle(x, y, 0.5, 0.36, 0.11);

function crcTable() {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
}
const CRC = crcTable();
function crc32(buf) {
  let c = -1;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(shape, [r, g, b]) {
  const rows = [];
  for (let py = 0; py < SIZE; py += 1) {
    const row = Buffer.alloc(1 + SIZE * 4);
    for (let px = 0; px < SIZE; px += 1) {
      let hits = 0;
      for (let sy = 0; sy < SS; sy += 1) {
        for (let sx = 0; sx < SS; sx += 1) {
          if (shape((px + (sx + 0.5) / SS) / SIZE, (py + (sy + 0.5) / SS) / SIZE)) hits += 1;
        }
      }
      row.set([r, g, b, Math.round((255 * hits) / (SS * SS))], 1 + px * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

if (require.main === module) {
  const dir = path.resolve(__dirname, '../../images');
  fs.mkdirSync(dir, { recursive: true });
  Object.entries(ICONS).forEach(([name, shape]) => {
    fs.writeFileSync(path.join(dir, `tab-${name}.png`), png(shape, COLOURS.normal));
    fs.writeFileSync(path.join(dir, `tab-${name}-active.png`), png(shape, COLOURS.active));
  });
  fs.writeFileSync(path.join(dir, 'map-marker.png'), png(MARKER, COLOURS.active));
}

module.exports = { ICONS, MARKER, png };
