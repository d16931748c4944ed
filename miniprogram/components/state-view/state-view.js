/**
 * <state-view status="{{status}}" message="{{errorMessage}}" empty-text="还没有消息" bind:retry="onRetry">
 *   …the page's content, shown when status is "ready"…
 * </state-view>
 *
 * status: loading | error | empty | ready. The error state shows the
 * message (or a plain default) and a 重新加载 button firing `retry`.
 */
const TEXT = {
  LOADING: '正在加载，请稍候…',
  ERROR: '没能加载出来。请检查手机是否连上网络，再点“重新加载”。',
  EMPTY: '这里还没有内容',
  RETRY: '重新加载',
};

Component({
  options: { multipleSlots: true },
  properties: {
    status: { type: String, value: 'loading' },
    message: { type: String, value: '' },
    emptyText: { type: String, value: '' },
    retryText: { type: String, value: '' },
  },
  data: { TEXT },
  methods: {
    onRetry() {
      this.triggerEvent('retry');
    },
  },
});
