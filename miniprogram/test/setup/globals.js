/**
 * Jest setup: the `Page()` shim.
 *
 * miniprogram-simulate renders custom components only (Component()). A page
 * is a top-level component, so Page(options) is re-expressed as
 * Component(): every function (lifecycle hooks and handlers) becomes a
 * method, and the page lifecycle is driven from the component lifetimes:
 * attached -> onLoad(query) + onShow(), ready -> onReady(), detached ->
 * onUnload(). Tests can set `global.__pageQuery` to pass onLoad options.
 */
function pageToComponent(options) {
  const methods = {};
  const extra = {};
  Object.keys(options).forEach((key) => {
    if (key === 'data' || key === 'behaviors') {
      return;
    }
    if (typeof options[key] === 'function') {
      methods[key] = options[key];
    } else {
      extra[key] = options[key];
    }
  });

  return {
    data: options.data || {},
    // Page({ behaviors }) (base library 2.9.2+) mixes data and methods in.
    behaviors: options.behaviors || [],
    methods,
    lifetimes: {
      created() {
        Object.assign(this, extra);
      },
      attached() {
        if (typeof this.onLoad === 'function') {
          this.onLoad(global.__pageQuery || {});
        }
        if (typeof this.onShow === 'function') {
          this.onShow();
        }
      },
      ready() {
        if (typeof this.onReady === 'function') {
          this.onReady();
        }
      },
      detached() {
        if (typeof this.onUnload === 'function') {
          this.onUnload();
        }
      },
    },
  };
}

global.Page = function Page(options) {
  // global.Component is installed by miniprogram-simulate when it is loaded.
  global.Component(pageToComponent(options));
};

global.getApp = function getApp() {
  return { globalData: {} };
};
