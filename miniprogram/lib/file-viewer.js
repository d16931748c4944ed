/**
 * Opening attachments: pictures with wx.previewImage, PDFs with
 * wx.downloadFile + wx.openDocument. Signed file URLs may be relative to the
 * API and expire after about 10 minutes (`url_expires_at`): freshLinks()
 * gets new ones through GET /api/v1/uploads/{id} before a preview or a
 * download, and openAttachmentPdf() asks again once when the server says
 * the link is no longer good (403/404/410).
 */
const http = require('../api/request');
const uploadsApi = require('../api/uploads');

// A link this close to its end is renewed first (a download takes a while).
const REFRESH_MARGIN_MS = 60 * 1000;


const VIEW_TEXT = {
  OPENING: '正在打开…',
  DOWNLOAD_FAILED: '文件没打开，请检查网络后再点一次',
  EXPIRED: '文件暂时打不开，请下拉刷新页面后再点一次',
  CANNOT_OPEN: '这个文件在手机上打不开',
};

/**
 * An absolute URL for a file link ('' for none). Links with a scheme
 * (https://, and WeChat temp paths such as wxfile:// or http://tmp/) are
 * kept; a path is taken as relative to the API.
 */
function absoluteUrl(url) {
  if (!url) {
    return '';
  }
  const text = String(url);
  if (/^[a-z][a-z0-9+.-]*:/i.test(text)) {
    return text;
  }
  return http.buildUrl(text);
}

function toast(title) {
  try {
    wx.showToast({ title, icon: 'none', duration: 2500 });
  } catch (e) {
    // ignore
  }
}

function hideLoading() {
  try {
    if (typeof wx.hideLoading === 'function') {
      wx.hideLoading();
    }
  } catch (e) {
    // ignore
  }
}

/** Whether an uploaded file's signed link has run out (or is about to). */
function linkExpired(item, now = Date.now()) {
  if (!item || !item.id) {
    return false;
  }
  if (!item.url) {
    return true;
  }
  const end = Date.parse(item.url_expires_at || '');
  return !Number.isNaN(end) && end - REFRESH_MARGIN_MS <= now;
}

/** The item with a fresh link from GET /api/v1/uploads/{id} (unchanged when that fails). */
function refreshLink(item) {
  return uploadsApi.getUpload(item.id).then(
    (up) => Object.assign({}, item, {
      url: (up && up.url) || item.url,
      url_expires_at: (up && up.url_expires_at) || '',
    }),
    () => item,
  );
}

/**
 * The items with every expired link renewed (all of them with `force`).
 * Items without an upload id (files only on this phone) are kept as they are.
 */
function freshLinks(items, { force = false, now = Date.now() } = {}) {
  return Promise.all((items || []).map((item) => (
    item && item.id && (force || linkExpired(item, now)) ? refreshLink(item) : Promise.resolve(item)
  )));
}

/** Shows the pictures full screen, starting at `current`. */
function previewImages(urls, current) {
  const list = (urls || []).map(absoluteUrl).filter(Boolean);
  if (list.length === 0) {
    return;
  }
  const start = absoluteUrl(current);
  wx.previewImage({ urls: list, current: list.indexOf(start) >= 0 ? start : list[0] });
}

/**
 * Downloads and opens a PDF. Resolves with 'opened', 'expired' (the link
 * needs refreshing) or 'failed'; the user has been told in each case.
 */
function openPdf(url, { quietExpired = false } = {}) {
  return new Promise((resolve) => {
    const target = absoluteUrl(url);
    if (!target) {
      toast(VIEW_TEXT.CANNOT_OPEN);
      resolve('failed');
      return;
    }
    if (typeof wx.showLoading === 'function') {
      wx.showLoading({ title: VIEW_TEXT.OPENING, mask: true });
    }
    wx.downloadFile({
      url: target,
      success: (res) => {
        if (res.statusCode === 403 || res.statusCode === 404 || res.statusCode === 410) {
          hideLoading();
          if (!quietExpired) {
            toast(VIEW_TEXT.EXPIRED);
          }
          resolve('expired');
          return;
        }
        if (res.statusCode < 200 || res.statusCode >= 300 || !res.tempFilePath) {
          hideLoading();
          toast(VIEW_TEXT.DOWNLOAD_FAILED);
          resolve('failed');
          return;
        }
        wx.openDocument({
          filePath: res.tempFilePath,
          fileType: 'pdf',
          showMenu: true,
          success: () => {
            hideLoading();
            resolve('opened');
          },
          fail: () => {
            hideLoading();
            toast(VIEW_TEXT.CANNOT_OPEN);
            resolve('failed');
          },
        });
      },
      fail: () => {
        hideLoading();
        toast(VIEW_TEXT.DOWNLOAD_FAILED);
        resolve('failed');
      },
    });
  });
}

/**
 * Opens an uploaded PDF: renews its link first when it has run out, and
 * once more if the server still says the link is no longer good. Resolves
 * with { result, item } (the item with the link used last).
 */
function openAttachmentPdf(item) {
  return freshLinks([item]).then(([first]) => openPdf(first.url, { quietExpired: true }).then((result) => {
    if (result !== 'expired' || !first.id) {
      return { result, item: first };
    }
    return refreshLink(first).then((again) => openPdf(again.url).then((second) => ({ result: second, item: again })));
  }));
}

/** Opens a local file the user just picked (no download needed). */
function openLocalPdf(path) {
  return new Promise((resolve) => {
    wx.openDocument({
      filePath: path,
      fileType: 'pdf',
      showMenu: true,
      success: () => resolve('opened'),
      fail: () => {
        toast(VIEW_TEXT.CANNOT_OPEN);
        resolve('failed');
      },
    });
  });
}

module.exports = {
  VIEW_TEXT,
  REFRESH_MARGIN_MS,
  linkExpired,
  refreshLink,
  freshLinks,
  openAttachmentPdf,
  absoluteUrl,
  previewImages,
  openPdf,
  openLocalPdf,
};
