/**
 * Opening attachments: pictures with wx.previewImage, PDFs with
 * wx.downloadFile + wx.openDocument. Signed file URLs may be relative to the
 * API and expire after a while: a 403/404 asks the caller to reload.
 */
const http = require('../api/request');

const VIEW_TEXT = {
  OPENING: '正在打开…',
  DOWNLOAD_FAILED: '文件没打开，请检查网络后再点一次',
  EXPIRED: '文件链接已过期，请刷新页面后再点',
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
function openPdf(url) {
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
          toast(VIEW_TEXT.EXPIRED);
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
  absoluteUrl,
  previewImages,
  openPdf,
  openLocalPdf,
};
