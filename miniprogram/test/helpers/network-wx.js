/**
 * The phone's network for the fake `wx` of helpers/fake-wx.js:
 *
 *   const net = withNetwork(fake);
 *   net.down();   // every wx.request / wx.uploadFile fails as with no signal
 *   net.up();     // requests reach the routes again and WeChat reports
 *                 // { isConnected: true } to wx.onNetworkStatusChange listeners
 *   net.quietlyUp();  // requests get through again, but WeChat reports nothing
 *
 * wx.getNetworkType answers 'none' while down.
 */
const DOWN_ERR = 'request:fail -2:net::ERR_INTERNET_DISCONNECTED';

function withNetwork(fake) {
  const { wx } = fake;
  const listeners = [];
  const state = { connected: true };
  const deliver = (fn) => setTimeout(fn, 0);

  const realRequest = wx.request;
  wx.request = jest.fn((opts) => {
    if (!state.connected) {
      deliver(() => opts.fail({ errMsg: DOWN_ERR }));
      return undefined;
    }
    return realRequest(opts);
  });
  const realUpload = wx.uploadFile;
  wx.uploadFile = jest.fn((opts) => {
    if (!state.connected) {
      deliver(() => opts.fail({ errMsg: 'uploadFile:fail -2:net::ERR_INTERNET_DISCONNECTED' }));
      return { onProgressUpdate: () => {}, abort: () => {} };
    }
    return realUpload(opts);
  });
  wx.onNetworkStatusChange = jest.fn((cb) => listeners.push(cb));
  wx.offNetworkStatusChange = jest.fn((cb) => {
    const i = listeners.indexOf(cb);
    if (i >= 0) listeners.splice(i, 1);
  });
  wx.getNetworkType = jest.fn((opts) => deliver(() => opts && opts.success
    && opts.success({ networkType: state.connected ? 'wifi' : 'none', errMsg: 'getNetworkType:ok' })));

  const report = () => listeners.slice().forEach((cb) => cb({
    isConnected: state.connected, networkType: state.connected ? 'wifi' : 'none',
  }));

  return {
    listeners,
    down() {
      state.connected = false;
      report();
    },
    up() {
      state.connected = true;
      report();
    },
    /** The signal comes back without WeChat reporting a change (a weak network). */
    quietlyUp() {
      state.connected = true;
    },
    get connected() {
      return state.connected;
    },
  };
}

module.exports = { withNetwork, DOWN_ERR };
