/**
 * The handlers of an upload list on a form (重试, 删除 with its t-dialog, a
 * thumbnail that failed to load), as a Behavior shared by 创业扶持 (apply) and
 * 我要自荐 (selections/nominate):
 *
 *   Page({
 *     behaviors: [uploadListBehavior],
 *     // this.uploads: lib/upload-list.js; this.send(item): uploads one item
 *     uploadsChanged({ removed }) { ...show this.uploads again... },
 *   });
 *
 * The page keeps removeVisible (the 删除 dialog) in its data and binds its
 * buttons to onRemoveConfirm / onRemoveCancel.
 */
module.exports = Behavior({
  methods: {
    onRetryUpload(e) {
      const item = this.uploads.find(e.currentTarget.dataset.key);
      if (item && item.status === 'failed') {
        return this.send(item);
      }
      return Promise.resolve();
    },

    /** 删除 asks first (t-dialog): a photo taken again costs the user time and data. */
    onRemoveUpload(e) {
      const key = e.currentTarget.dataset.key;
      if (!this.uploads.find(key)) {
        return;
      }
      this.removeKey = key;
      this.setData({ removeVisible: true });
    },

    onRemoveCancel() {
      this.removeKey = '';
      this.setData({ removeVisible: false });
    },

    onRemoveConfirm() {
      const key = this.removeKey;
      this.removeKey = '';
      this.setData({ removeVisible: false });
      if (key && this.uploads.remove(key)) {
        this.uploadsChanged({ removed: true });
      }
    },

    onThumbError(e) {
      const item = this.uploads.find(e.currentTarget.dataset.key);
      if (item && !item.thumbFailed) {
        item.thumbFailed = true;
        this.uploadsChanged({ removed: false });
      }
    },
  },
});
