/**
 * Sending one item of lib/upload-list.js with api/uploads.js: progress on
 * the item, one automatic retry after a network failure (in uploadFile),
 * then `failed` with a plain message and whether 重试 may help.
 *
 *   runUpload(list, item, { onChange })   // onChange() after each visible change
 *
 * Resolves (never rejects) with the item; an item removed meanwhile is left alone.
 */
const uploadsApi = require('../api/uploads');

function runUpload(list, item, { onChange, retryDelayMs } = {}) {
  const changed = () => {
    if (typeof onChange === 'function') {
      onChange(item);
    }
  };
  Object.assign(item, { status: 'uploading', progress: 0, error: '', retryable: false });
  changed();
  const options = {
    filePath: item.localPath,
    kind: item.kind,
    size: item.size,
    onProgress: (progress) => {
      if (item.status === 'uploading' && progress !== item.progress && list.has(item)) {
        item.progress = progress;
        changed();
      }
    },
  };
  if (retryDelayMs !== undefined) {
    options.retryDelayMs = retryDelayMs;
  }
  return uploadsApi.uploadFile(options).then(
    (up) => {
      if (!list.has(item)) {
        return item; // removed while it was uploading
      }
      Object.assign(item, {
        status: 'done',
        progress: 100,
        id: up.id,
        url: up.url || '',
        url_expires_at: up.url_expires_at || '',
        content_type: up.content_type || '',
        name: up.name || item.name,
      });
      changed();
      return item;
    },
    (err) => {
      if (!list.has(item)) {
        return item;
      }
      Object.assign(item, {
        status: 'failed',
        error: (err && err.message) || uploadsApi.UPLOAD_TEXT.FAILED,
        retryable: !err || err.retryable !== false,
      });
      changed();
      return item;
    },
  );
}

module.exports = { runUpload };
