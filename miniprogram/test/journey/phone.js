/**
 * A phone for the journey tests: the strict fake `wx` of helpers/fake-wx.js
 * (storage, dialogs, navigation, what WeChat refuses) with a real network.
 *
 * - wx.request and wx.uploadFile go over HTTP to the API server started by
 *   servers.js: the mini program's development address (config.js
 *   DEV_BASE_URL) is answered by that server, wherever it listens;
 * - wx.login gets a single-use code from the WeChat stand-in for this
 *   phone's WeChat user (openid), as WeChat's own client would;
 * - photos picked with wx.chooseMedia are real PNG files on disk, so the
 *   server receives real images;
 * - the network can drop: setOnline(false) fails every call as a phone
 *   without signal does and tells wx.onNetworkStatusChange listeners;
 *   loseAnswer(method, path) lets the next such request reach the server
 *   and drops its answer as the signal goes (the phone is offline after);
 * - the user has not yet agreed to the mini program's privacy guide:
 *   WeChat asks (wx.onNeedPrivacyAuthorization, our <privacy-popup />)
 *   before the first photo pick or phone number, see wechatAsksPrivacy().
 *
 *   const phone = createPhone(servers, { openid: 'o_journey_1' });
 *   global.wx = Object.assign({}, simulateWx, phone.wx);
 */
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { createFakeWx } = require('../helpers/fake-wx');
const { DEV_BASE_URL } = require('../../config');

// A 12×12 grey PNG (the same picture scripts/demo.sh uploads).
const PHOTO_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAwAAAAMCAAAAABzHgM7AAAAEklEQVR4nGJiQAKDjAMIAAD//wiIABkE/WOVAAAAAElFTkSuQmCC',
  'base64',
);
// The smallest PDF the server's content sniffing takes for a PDF.
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

const TYPES = { '.png': 'image/png', '.jpg': 'image/jpeg', '.pdf': 'application/pdf' };

function headerValue(headers, name) {
  const key = Object.keys(headers || {}).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

function createPhone(servers, { openid }) {
  const fake = createFakeWx();
  const { wx } = fake;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hx-mp-phone-'));
  let fileSeq = 0;
  const phone = {
    fake,
    wx,
    openid,
    /**
     * Every wx.request and wx.uploadFile: { api, method, path, status, key }
     * (status 0: no answer reached the phone; key: the Idempotency-Key sent;
     * offline: true when there was no network; lostStatus: the server's
     * status of an answer lost with the signal).
     */
    traffic: [],
    online: true,
    /** Every navigateTo / redirectTo / switchTab / reLaunch / navigateBack: { how, url }. */
    opened: [],
    /** What the user answered when WeChat asked for the privacy consent. */
    privacyAnswers: [],
  };

  // The server answers the development address; any other address is not ours.
  const toServer = (url) => {
    if (!String(url).startsWith(DEV_BASE_URL)) {
      throw new Error(`the journey phone only reaches the API server (${DEV_BASE_URL}), not ${url}`);
    }
    return new URL(servers.api + String(url).slice(DEV_BASE_URL.length));
  };

  const finish = (opts, kind, res) => {
    setTimeout(() => {
      if (opts[kind]) opts[kind](res);
      if (opts.complete) opts.complete(res);
    }, 0);
  };

  const netListeners = [];
  const losing = [];

  function send(api, opts, url, method, headers, body, onResponse) {
    const entry = {
      api, method, path: url.pathname, status: 0, key: headerValue(headers, 'Idempotency-Key'),
    };
    phone.traffic.push(entry);
    if (!phone.online) {
      entry.offline = true;
      finish(opts, 'fail', { errMsg: `${api}:fail -106:net::ERR_INTERNET_DISCONNECTED` });
      return { destroy() {} };
    }
    const lostAt = losing.findIndex((l) => l.method === method && l.path === url.pathname);
    const losesAnswer = lostAt >= 0;
    if (losesAnswer) {
      losing.splice(lostAt, 1);
    }
    const req = http.request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (losesAnswer) {
          // The server answered; the signal went before the answer arrived.
          entry.lostStatus = res.statusCode;
          phone.setOnline(false);
          finish(opts, 'fail', { errMsg: `${api}:fail timeout` });
          return;
        }
        entry.status = res.statusCode;
        onResponse(res, Buffer.concat(chunks).toString('utf8'));
      });
    });
    req.setTimeout(opts.timeout || 15000, () => req.destroy(new Error('timeout')));
    req.on('error', (err) => {
      finish(opts, 'fail', { errMsg: `${api}:fail ${err.message}` });
    });
    if (body) {
      req.write(body);
    }
    req.end();
    return req;
  }

  /** The signal comes and goes: WeChat tells the listeners. */
  phone.setOnline = (online) => {
    phone.online = online;
    netListeners.slice().forEach((cb) => cb({ isConnected: online, networkType: online ? '4g' : 'none' }));
  };

  /** The next `method path` reaches the server, but its answer is lost with the signal. */
  phone.loseAnswer = (method, urlPath) => {
    losing.push({ method, path: urlPath });
  };

  wx.onNetworkStatusChange = jest.fn((cb) => netListeners.push(cb));
  wx.offNetworkStatusChange = jest.fn((cb) => {
    const i = netListeners.indexOf(cb);
    if (i >= 0) {
      netListeners.splice(i, 1);
    }
  });
  wx.getNetworkType = jest.fn((opts) => finish(opts || {}, 'success', {
    networkType: phone.online ? '4g' : 'none', errMsg: 'getNetworkType:ok',
  }));

  wx.request = jest.fn((opts) => {
    const url = toServer(opts.url);
    const method = String(opts.method || 'GET').toUpperCase();
    const headers = Object.assign({}, opts.header);
    let body = null;
    if (opts.data !== undefined && opts.data !== null) {
      if (method === 'GET' || method === 'HEAD') {
        // WeChat turns the data of a GET into the query string.
        Object.keys(opts.data).forEach((k) => {
          if (opts.data[k] !== undefined && opts.data[k] !== null) {
            url.searchParams.append(k, String(opts.data[k]));
          }
        });
      } else if (typeof opts.data === 'string') {
        body = Buffer.from(opts.data);
      } else if (/x-www-form-urlencoded/i.test(headerValue(headers, 'Content-Type') || '')) {
        body = Buffer.from(new URLSearchParams(opts.data).toString());
      } else {
        body = Buffer.from(JSON.stringify(opts.data));
      }
    }
    if (body) {
      headers['Content-Length'] = body.length;
    }
    const req = send('request', opts, url, method, headers, body, (res, text) => {
      let data = text;
      if ((opts.dataType || 'json') === 'json' && text) {
        try {
          data = JSON.parse(text);
        } catch (e) {
          data = text;
        }
      }
      finish(opts, 'success', {
        statusCode: res.statusCode, header: res.headers, data, errMsg: 'request:ok',
      });
    });
    return { abort: () => req.destroy(new Error('abort')), onHeadersReceived() {}, offHeadersReceived() {} };
  });

  wx.uploadFile = jest.fn((opts) => {
    const url = toServer(opts.url);
    const file = fs.readFileSync(opts.filePath);
    const boundary = `----huixiangJourney${Date.now().toString(16)}`;
    const parts = [];
    Object.keys(opts.formData || {}).forEach((k) => {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${opts.formData[k]}\r\n`));
    });
    const name = path.basename(opts.filePath);
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${opts.name}"; filename="${name}"\r\n`
      + `Content-Type: ${TYPES[path.extname(name)] || 'application/octet-stream'}\r\n\r\n`));
    parts.push(file, Buffer.from(`\r\n--${boundary}--\r\n`));
    const body = Buffer.concat(parts);
    const headers = Object.assign({}, opts.header, {
      'Content-Type': `multipart/form-data; boundary=${boundary}`,
      'Content-Length': body.length,
    });
    const listeners = [];
    const req = send('uploadFile', opts, url, 'POST', headers, body, (res, text) => {
      listeners.forEach((cb) => cb({ progress: 100, totalBytesSent: body.length, totalBytesExpectedToSend: body.length }));
      finish(opts, 'success', { statusCode: res.statusCode, header: res.headers, data: text, errMsg: 'uploadFile:ok' });
    });
    return {
      onProgressUpdate: (cb) => listeners.push(cb),
      offProgressUpdate: (cb) => listeners.splice(listeners.indexOf(cb), 1),
      abort: () => req.destroy(new Error('abort')),
    };
  });

  // WeChat's client asks WeChat for a code for its user.
  wx.login = jest.fn((opts) => {
    servers.fake('POST', '/__fake/login-code', { openid }).then(
      (res) => finish(opts, 'success', { code: res.body.code, errMsg: 'login:ok' }),
      (err) => finish(opts, 'fail', { errMsg: `login:fail ${err.message}` }),
    );
  });

  const realFile = (ext, bytes) => {
    fileSeq += 1;
    const file = path.join(dir, `picked-${fileSeq}${ext}`);
    fs.writeFileSync(file, bytes);
    return file;
  };

  // The fake's pickers (with WeChat's privacy check) answer with real files.
  const chooseMedia = wx.chooseMedia;
  wx.chooseMedia = jest.fn((opts) => chooseMedia(Object.assign({}, opts, {
    success: (res) => opts.success(Object.assign({}, res, {
      tempFiles: res.tempFiles.map((f) => Object.assign({}, f, {
        tempFilePath: realFile('.png', PHOTO_PNG), size: PHOTO_PNG.length,
      })),
    })),
  })));
  const chooseMessageFile = wx.chooseMessageFile;
  wx.chooseMessageFile = jest.fn((opts) => chooseMessageFile(Object.assign({}, opts, {
    success: (res) => opts.success(Object.assign({}, res, {
      tempFiles: res.tempFiles.map((f) => Object.assign({}, f, { path: realFile('.pdf', PDF), size: PDF.length })),
    })),
  })));

  ['navigateTo', 'redirectTo', 'switchTab', 'reLaunch', 'navigateBack'].forEach((how) => {
    const original = wx[how];
    wx[how] = jest.fn((opts) => {
      phone.opened.push({ how, url: (opts && opts.url) || '' });
      return original(opts);
    });
  });

  // A new WeChat user has not agreed to the privacy guide yet.
  fake.privacyAuthorized = false;

  /**
   * WeChat needs the privacy consent (the user tapped getPhoneNumber, or a
   * photo is to be picked): the page's <privacy-popup /> is asked. Resolves
   * with the user's answer once the popup gives it.
   */
  phone.wechatAsksPrivacy = (referrer) => new Promise((resolve) => {
    const handlers = fake.privacyHandlers || [];
    const handler = handlers[handlers.length - 1];
    if (!handler) {
      throw new Error('WeChat asks for the privacy consent but the page has no <privacy-popup />');
    }
    let answered = false;
    handler((res) => {
      if (answered || (res && res.event === 'exposureAuthorization')) {
        return;
      }
      answered = true;
      phone.privacyAnswers.push(res);
      if (res && res.event === 'agree') {
        fake.privacyAuthorized = true;
      }
      resolve(res);
    }, { referrer });
  });

  /** The last page opened (url without the leading slash split from its query). */
  phone.lastOpened = () => {
    const last = phone.opened[phone.opened.length - 1];
    if (!last) {
      return null;
    }
    const [route, qs] = last.url.replace(/^\//, '').split('?');
    // As WeChat gives them to onLoad: not decoded.
    const query = {};
    (qs || '').split('&').filter(Boolean).forEach((pair) => {
      const i = pair.indexOf('=');
      query[i < 0 ? pair : pair.slice(0, i)] = i < 0 ? '' : pair.slice(i + 1);
    });
    return { how: last.how, route, query };
  };

  phone.cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  return phone;
}

module.exports = { createPhone, PHOTO_PNG };
