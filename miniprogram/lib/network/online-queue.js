/**
 * Requests kept in memory while the phone has no network, and sent again
 * when WeChat reports the network back (wx.onNetworkStatusChange).
 *
 * Only requests that carry an Idempotency-Key may be kept (api/request.js
 * checks that): the server answers a resent one exactly as the first, so
 * sending it again can never create a second application.
 *
 *   const queue = require('../lib/network/online-queue');
 *   queue.hold(() => resend(), { isNetworkError })   // a promise: the answer of the resend
 *
 * Each held request is sent again once per return of the network; if that
 * try fails for the network too, it waits for the next return. Any other
 * answer (success or a server error) settles the promise. Nothing is kept
 * on the phone's storage: the forms keep their own drafts.
 */

const jobs = [];
// The wx object the listener was given to (a new one in each test).
let listeningOn = null;

function api() {
  return typeof wx === 'undefined' ? null : wx;
}

/** Whether this WeChat can tell us when the network is back. */
function available() {
  const w = api();
  return !!w && typeof w.onNetworkStatusChange === 'function';
}

function flush() {
  const batch = jobs.splice(0, jobs.length);
  batch.forEach((job) => {
    let sent;
    try {
      sent = Promise.resolve(job.send());
    } catch (e) {
      sent = Promise.reject(e);
    }
    sent.then(job.resolve, (err) => {
      if (job.isNetworkError(err)) {
        jobs.push(job); // still no network: wait for the next return
        return;
      }
      job.reject(err);
    });
  });
}

function onStatus(res) {
  if (res && res.isConnected && jobs.length > 0) {
    flush();
  }
}

function listen() {
  if (!available() || listeningOn === api()) {
    return;
  }
  listeningOn = api();
  listeningOn.onNetworkStatusChange(onStatus);
}

/**
 * Keeps `send` until the network is back, then calls it. Resolves or
 * rejects with the answer of that call. `isNetworkError(err)` tells a
 * failure that should wait again from a real answer.
 */
function hold(send, { isNetworkError } = {}) {
  return new Promise((resolve, reject) => {
    jobs.push({
      send,
      resolve,
      reject,
      isNetworkError: typeof isNetworkError === 'function' ? isNetworkError : () => false,
    });
    listen();
  });
}

/** How many requests are waiting for the network. */
function size() {
  return jobs.length;
}

/** Tests only: forgets the waiting requests and the listener. */
function reset() {
  jobs.splice(0, jobs.length);
  if (listeningOn && typeof listeningOn.offNetworkStatusChange === 'function') {
    listeningOn.offNetworkStatusChange(onStatus);
  }
  listeningOn = null;
}

module.exports = {
  available,
  hold,
  size,
  flush,
  reset,
};
