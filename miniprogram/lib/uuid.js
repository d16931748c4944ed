/**
 * Random version 4 UUIDs for Idempotency-Key headers. Math.random is
 * enough: the key only has to be unique per user, not secret
 * (wx.getRandomValues is asynchronous and missing on old base libraries).
 */
function randomBytes(n) {
  const bytes = new Array(n);
  for (let i = 0; i < n; i += 1) {
    bytes[i] = Math.floor(Math.random() * 256);
  }
  return bytes;
}

function uuid4(bytesSource) {
  const bytes = (bytesSource || randomBytes)(16);
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.map((b) => (b + 0x100).toString(16).slice(1)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function isUuid(value) {
  return UUID_RE.test(String(value || ''));
}

module.exports = { uuid4, isUuid };
