/**
 * QR codes drawn on the phone: a GIF data URL for an <image> (or a file for
 * wx.previewImage), made by
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

/**
 * Writes the QR code of `text` as a GIF file under wx.env.USER_DATA_PATH
 * (`name`.gif) for wx.previewImage, which phones do not show for `data:`
 * URLs. Resolves with the file path; rejects when it cannot be made.
 */
function qrFile(text, name, cellSize = 16, margin = 4) {
  const url = qrDataUrl(text, cellSize, margin);
  const comma = url.indexOf(',');
  if (!url || comma < 0 || typeof wx.getFileSystemManager !== 'function' || !wx.env || !wx.env.USER_DATA_PATH) {
    return Promise.reject(new Error('qr: cannot make the file'));
  }
  const filePath = `${wx.env.USER_DATA_PATH}/${String(name).replace(/[^A-Za-z0-9_-]/g, '_')}.gif`;
  return new Promise((resolve, reject) => {
    wx.getFileSystemManager().writeFile({
      filePath,
      data: url.slice(comma + 1),
      encoding: 'base64',
      success: () => resolve(filePath),
      fail: (err) => reject(err || new Error('qr: writeFile failed')),
    });
  });
}

module.exports = { qrDataUrl, qrFile };
