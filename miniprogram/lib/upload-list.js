/**
 * The materials of an application form as a list of uploads: what is kept
 * in the draft, what each material block shows (TDesign-styled grid of
 * thumbnails with progress, 重试 and 删除), how many more files fit.
 *
 *   const list = createUploadList();
 *   list.restore(draft.attachments);            // uploaded ones from the draft
 *   const item = list.add('id_front', { path, size, name });
 *   list.views(policy.materials, errors);       // for the page's `materials`
 *   list.stored();                              // for the draft
 *   list.ids();                                 // for the API body
 *
 * An item: { key, kind, id, url, url_expires_at, name, content_type,
 * localPath, size, status: uploading|done|failed, progress, error,
 * retryable, thumbFailed }.
 */
const uploadsApi = require('../api/uploads');
const { absoluteUrl } = require('./file-viewer');

// Files per material kind.
const MAX_FILES = { other: 9 };
const DEFAULT_MAX_FILES = 3;

function maxFiles(kind) {
  return MAX_FILES[kind] || DEFAULT_MAX_FILES;
}

let seq = 0;
function nextKey() {
  seq += 1;
  return `u${seq}`;
}

/** Tests only: keys start again at u1. */
function resetKeys() {
  seq = 0;
}

function isPdfItem(item) {
  return uploadsApi.isPdf(item) || (!item.content_type && /\.pdf$/i.test(String(item.localPath || '')));
}

/** What one file shows in its material block. */
function fileView(item) {
  const image = !isPdfItem(item) && (uploadsApi.isImage(item) || !!item.localPath);
  let statusText = '';
  if (item.status === 'uploading') {
    statusText = `正在上传 ${item.progress}%`;
  } else if (item.status === 'done') {
    statusText = '已上传';
  } else if (item.status === 'failed') {
    statusText = '没传上去';
  }
  return {
    key: item.key,
    status: item.status,
    progress: item.progress,
    statusText,
    error: item.error,
    retryable: item.retryable,
    isImage: image,
    thumb: image && !item.thumbFailed ? (item.localPath || absoluteUrl(item.url)) : '',
    name: item.name || (image ? '照片' : 'PDF文件'),
  };
}

function createUploadList() {
  let items = [];

  const ofKind = (kind) => items.filter((u) => u.kind === kind);

  return {
    get items() {
      return items;
    },

    /** Uploaded files kept in a draft (or an application's attachments). */
    restore(raw) {
      items = (raw || []).filter((a) => a && a.id).map((a) => ({
        key: nextKey(),
        kind: a.kind || 'other',
        id: a.id,
        url: a.url || '',
        url_expires_at: a.url_expires_at || '',
        name: a.name || '',
        content_type: a.content_type || '',
        localPath: a.localPath || '',
        size: a.size,
        status: 'done',
        progress: 100,
        error: '',
        retryable: false,
        thumbFailed: false,
      }));
      return this;
    },

    clear() {
      items = [];
    },

    /** A new file picked for `kind`, not sent yet. */
    add(kind, file) {
      const item = {
        key: nextKey(),
        kind,
        id: '',
        url: '',
        url_expires_at: '',
        name: (file && file.name) || '',
        content_type: '',
        localPath: (file && file.path) || '',
        size: file && file.size,
        status: 'uploading',
        progress: 0,
        error: '',
        retryable: false,
        thumbFailed: false,
      };
      items.push(item);
      return item;
    },

    find(key) {
      return items.find((u) => u.key === key) || null;
    },

    has(item) {
      return items.indexOf(item) >= 0;
    },

    remove(key) {
      const before = items.length;
      items = items.filter((u) => u.key !== key);
      return items.length < before;
    },

    /** How many more files `kind` takes. */
    room(kind) {
      return Math.max(0, maxFiles(kind) - ofKind(kind).length);
    },

    uploading() {
      return items.some((u) => u.status === 'uploading');
    },

    failed() {
      return items.some((u) => u.status === 'failed');
    },

    /** The uploaded ones: [{ kind, id }] (for the required-materials check). */
    done() {
      return items.filter((u) => u.status === 'done' && u.id);
    },

    /** Upload IDs for the API body. */
    ids() {
      return this.done().map((u) => u.id);
    },

    /** What is kept of the uploads in the draft (uploaded ones only). */
    stored() {
      return this.done().map((u) => ({
        kind: u.kind,
        id: u.id,
        url: u.url || '',
        url_expires_at: u.url_expires_at || '',
        name: u.name || '',
        content_type: u.content_type || '',
        localPath: u.localPath || '',
      }));
    },

    /** The pictures of a kind, for previewImage: [{ item, src }]. */
    imagesOf(kind) {
      return ofKind(kind).filter((u) => !isPdfItem(u));
    },

    /**
     * The material blocks: [{ kind, label, required, files, canAdd, error }];
     * files of a kind the policy no longer lists come last, to be removed.
     */
    views(materials, errors) {
      const list = materials || [];
      const errs = errors || {};
      const kinds = list.map((m) => m.kind);
      const out = list.map((m) => ({
        kind: m.kind,
        label: m.label,
        required: !!m.required,
        files: ofKind(m.kind).map(fileView),
        canAdd: ofKind(m.kind).length < maxFiles(m.kind),
        error: errs[m.kind] || '',
      }));
      const strays = items.filter((u) => kinds.indexOf(u.kind) < 0);
      if (strays.length) {
        out.push({
          kind: 'extra', label: '其他已上传的材料', required: false, files: strays.map(fileView), canAdd: false, error: '',
        });
      }
      return out;
    },
  };
}

module.exports = {
  MAX_FILES,
  DEFAULT_MAX_FILES,
  maxFiles,
  fileView,
  isPdfItem,
  createUploadList,
  resetKeys,
};
