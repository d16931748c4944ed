/**
 * Attachment uploads: POST /api/v1/uploads (multipart `file` + `kind`)
 * through wx.uploadFile.
 *
 * - Sends `Authorization: Bearer <token>`; on 401 signs in again once.
 * - Reports progress (0-100) through `onProgress`.
 * - A network failure is retried automatically (`retries`, default 1);
 *   the caller offers a 重试 button after that.
 * - 413 and 415 get plain explanations; files over 10 MB are refused before
 *   a single byte is sent (a weak network should not waste minutes on it).
 * Rejections are ApiError (see request.js), with `retryable` telling whether
 * trying the same file again may help.
 */
const config = require('../config');
const http = require('./request');

const UPLOAD_PATH = '/api/v1/uploads';
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

const UPLOAD_TEXT = {
  TOO_LARGE: '文件太大了（不能超过10MB），请重新拍一张，或换一个小一点的文件',
  WRONG_TYPE: '这种文件传不了，只能上传照片（JPG、PNG）或PDF文件',
  NETWORK: '手机没有连上网络，没有传上去。请检查信号或Wi-Fi后点“重试”',
  FAILED: '上传失败，请点“重试”',
};

const KINDS = ['business_licence', 'id_front', 'id_back', 'other'];

function sleep(ms) {
  return new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
}

function uploadError(code, status, message, retryable, errMsg) {
  const err = new http.ApiError({ code, status, message, errMsg });
  err.retryable = retryable;
  return err;
}

function parse(data) {
  if (typeof data !== 'string') {
    return data;
  }
  try {
    return JSON.parse(data);
  } catch (e) {
    return null;
  }
}

/** Turns a non-2xx wx.uploadFile answer into an ApiError with plain words. */
function errorOf(res) {
  if (res.statusCode === 413) {
    return uploadError('FILE_TOO_LARGE', 413, UPLOAD_TEXT.TOO_LARGE, false);
  }
  if (res.statusCode === 415) {
    return uploadError('UNSUPPORTED_MEDIA_TYPE', 415, UPLOAD_TEXT.WRONG_TYPE, false);
  }
  const err = http.errorFromResponse({ statusCode: res.statusCode, data: res.data, header: res.header });
  err.retryable = res.statusCode >= 500 || res.statusCode === 408 || res.statusCode === 429;
  if (err.retryable && !/重试/.test(err.message)) {
    err.message = UPLOAD_TEXT.FAILED;
  }
  return err;
}

/** One wx.uploadFile call. Resolves with the wx answer; rejects on network failure. */
function sendOnce({ filePath, kind, onProgress }) {
  return new Promise((resolve, reject) => {
    const header = {};
    const token = http.getToken();
    if (token) {
      header.Authorization = `Bearer ${token}`;
    }
    const task = wx.uploadFile({
      url: http.buildUrl(UPLOAD_PATH),
      filePath,
      name: 'file',
      formData: { kind },
      header,
      timeout: config.UPLOAD_TIMEOUT,
      success: (res) => resolve(res),
      fail: (err) => reject(uploadError(
        /timeout/i.test((err && err.errMsg) || '') ? 'NETWORK_TIMEOUT' : 'NETWORK_ERROR',
        0,
        UPLOAD_TEXT.NETWORK,
        true,
        err && err.errMsg,
      )),
    });
    if (task && typeof task.onProgressUpdate === 'function' && typeof onProgress === 'function') {
      task.onProgressUpdate((p) => {
        const progress = Math.max(0, Math.min(100, Math.round(Number(p && p.progress) || 0)));
        onProgress(progress);
      });
    }
  });
}

/**
 * uploadFile({ filePath, kind, size?, onProgress?, retries = 1, retryDelayMs = 1500 })
 * Resolves with the upload: { id, url, kind, content_type, size, name }.
 */
function uploadFile(options) {
  const opts = Object.assign({ retries: 1, retryDelayMs: 1500 }, options);
  if (typeof opts.size === 'number' && opts.size > MAX_UPLOAD_BYTES) {
    return Promise.reject(uploadError('FILE_TOO_LARGE', 0, UPLOAD_TEXT.TOO_LARGE, false));
  }
  let reauthed = false;

  const attempt = (left) => sendOnce(opts).then(
    (res) => {
      if (res.statusCode >= 200 && res.statusCode < 300) {
        const body = parse(res.data);
        if (!body || !body.id) {
          throw uploadError('BAD_RESPONSE', res.statusCode, UPLOAD_TEXT.FAILED, true);
        }
        return body;
      }
      if (res.statusCode === 401 && !reauthed) {
        reauthed = true;
        return http.signIn({ silent: true }).then(() => attempt(left));
      }
      throw errorOf(res);
    },
    (err) => {
      if (left > 0) {
        return sleep(opts.retryDelayMs).then(() => attempt(left - 1));
      }
      throw err;
    },
  );

  return attempt(Math.max(0, opts.retries));
}

/**
 * One of my uploads with a fresh signed `url` (GET /api/v1/uploads/{id}):
 * the links handed out expire after about 10 minutes. Silent.
 */
function getUpload(id, options = {}) {
  return http.get(`${UPLOAD_PATH}/${encodeURIComponent(id)}`, undefined, Object.assign({ silent: true }, options));
}

/** Whether an upload (or attachment) is a picture that wx.previewImage can show. */
function isImage(item) {
  if (!item) {
    return false;
  }
  if (item.content_type) {
    return /^image\//i.test(item.content_type);
  }
  return /\.(jpe?g|png|gif|webp|heic)$/i.test(String(item.name || item.path || item.url || '').split('?')[0]);
}

/** Whether it is a PDF (opened with wx.downloadFile + wx.openDocument). */
function isPdf(item) {
  if (!item) {
    return false;
  }
  if (item.content_type) {
    return /pdf/i.test(item.content_type);
  }
  return /\.pdf$/i.test(String(item.name || item.path || item.url || '').split('?')[0]);
}

module.exports = {
  UPLOAD_PATH,
  MAX_UPLOAD_BYTES,
  UPLOAD_TEXT,
  KINDS,
  uploadFile,
  getUpload,
  isImage,
  isPdf,
};
