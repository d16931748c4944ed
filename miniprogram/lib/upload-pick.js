/**
 * Picking the files of a material: photos from the camera or the album
 * (WeChat compresses them; a photo still over 2 MB is compressed again,
 * a cheap network pays for every byte), or a PDF/picture received in a
 * WeChat chat. Both resolve with [{ path, size, name }] — [] when the user
 * cancelled (nothing to say then).
 */
const COMPRESS_OVER_BYTES = 2 * 1024 * 1024;
const COMPRESS_QUALITY = 60;

function compress(file) {
  if (!(file.size > COMPRESS_OVER_BYTES) || typeof wx.compressImage !== 'function') {
    return Promise.resolve(file);
  }
  return new Promise((resolve) => {
    wx.compressImage({
      src: file.path,
      quality: COMPRESS_QUALITY,
      success: (res) => resolve(Object.assign({}, file, { path: res.tempFilePath, size: undefined })),
      fail: () => resolve(file),
    });
  });
}

/** Photos (at most `count`) from the back camera or the album. */
function pickPhotos(count) {
  return new Promise((resolve) => {
    wx.chooseMedia({
      count: Math.max(1, Math.min(count, 9)),
      mediaType: ['image'],
      sourceType: ['camera', 'album'],
      sizeType: ['compressed'],
      camera: 'back',
      success: (res) => resolve((res.tempFiles || []).map((f) => ({ path: f.tempFilePath, size: f.size, name: '' }))),
      fail: () => resolve([]),
    });
  }).then((files) => Promise.all(files.map(compress)));
}

/** A PDF or a picture the user received in a WeChat chat (at most `count`). */
function pickChatFiles(count) {
  if (typeof wx.chooseMessageFile !== 'function') {
    return Promise.resolve([]);
  }
  return new Promise((resolve) => {
    wx.chooseMessageFile({
      count: Math.max(1, Math.min(count, 9)),
      type: 'file',
      extension: ['pdf', 'jpg', 'jpeg', 'png'],
      success: (res) => resolve((res.tempFiles || []).map((f) => ({ path: f.path, size: f.size, name: f.name || '' }))),
      fail: () => resolve([]),
    });
  });
}

module.exports = {
  COMPRESS_OVER_BYTES,
  pickPhotos,
  pickChatFiles,
};
