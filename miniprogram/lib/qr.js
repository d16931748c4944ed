/**
 * QR codes drawn on the phone: a GIF data URL for an <image>, made by
 * qrcode-generator (pure JavaScript, no canvas, no network).
 *
 * In WeChat DevTools run 工具 → 构建 npm once so that
 * `miniprogram_npm/qrcode-generator` exists; the tests load it from
 * node_modules.
 */
let qrcode = null;
try {
  // eslint-disable-next-line global-require
  qrcode = require('qrcode-generator');
} catch (e) {
  qrcode = null;
}

/**
 * A `data:image/gif;base64,...` URL of `text` as a QR code, or '' when it
 * cannot be made (the page then shows the code as large text only).
 */
function qrDataUrl(text, cellSize = 8, margin = 4) {
  if (!qrcode || !text) {
    return '';
  }
  try {
    const qr = qrcode(0, 'M');
    qr.addData(String(text));
    qr.make();
    return qr.createDataURL(cellSize, margin);
  } catch (e) {
    return '';
  }
}

module.exports = { qrDataUrl };
