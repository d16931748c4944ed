/**
 * The upload code taken out of pages/apply: lib/upload-list.js (the list
 * and its blocks), lib/upload-pick.js (camera, album, chat files),
 * lib/upload-run.js (sending with progress and retry), and the renewal of
 * short-lived links in lib/file-viewer.js.
 */
const { createFakeWx, envelope, BASE_URL } = require('./helpers/fake-wx');

let fake;
let uploadList;
let pick;
let run;
let viewer;

beforeEach(() => {
  jest.resetModules();
  fake = createFakeWx({ token: 'tok' });
  global.wx = fake.wx;
  uploadList = require('../lib/upload-list');
  pick = require('../lib/upload-pick');
  run = require('../lib/upload-run');
  viewer = require('../lib/file-viewer');
});

afterEach(() => {
  delete global.wx;
});

const MATERIALS = [
  { kind: 'id_front', label: '身份证人像面', required: true },
  { kind: 'other', label: '其他材料', required: false },
];

describe('lib/upload-list', () => {
  test('restores uploaded files only, counts the room left, lists strays last', () => {
    const list = uploadList.createUploadList().restore([
      { kind: 'id_front', id: 'a1', url: '/files/a1', content_type: 'image/jpeg' },
      { kind: 'id_front', id: '' },
      { kind: 'old_kind', id: 'a9', url: '/files/a9.pdf', content_type: 'application/pdf' },
    ]);
    expect(list.ids()).toEqual(['a1', 'a9']);
    expect(list.room('id_front')).toBe(2);
    expect(list.room('other')).toBe(9);

    const views = list.views(MATERIALS, { other: '请上传其他材料' });
    expect(views.map((v) => v.kind)).toEqual(['id_front', 'other', 'extra']);
    expect(views[0].files[0]).toMatchObject({
      statusText: '已上传', isImage: true, thumb: `${BASE_URL}/files/a1`, name: '照片',
    });
    expect(views[1]).toMatchObject({ error: '请上传其他材料', canAdd: true, files: [] });
    expect(views[2].files[0]).toMatchObject({ isImage: false, thumb: '', name: 'PDF文件' });
  });

  test('a new file is uploading until run; stored() keeps only finished ones', () => {
    const list = uploadList.createUploadList();
    const item = list.add('id_front', { path: 'http://tmp/p.jpg', size: 10 });
    expect(list.uploading()).toBe(true);
    expect(list.stored()).toEqual([]);
    expect(list.views(MATERIALS)[0].files[0]).toMatchObject({ statusText: '正在上传 0%', thumb: 'http://tmp/p.jpg' });
    expect(list.remove(item.key)).toBe(true);
    expect(list.remove(item.key)).toBe(false);
    expect(list.items).toEqual([]);
  });
});

describe('lib/upload-run', () => {
  test('progress, then done with the server id and link', async () => {
    fake.route('UPLOAD', '/api/v1/uploads', {
      statusCode: 201,
      progress: [30, 100],
      data: {
        id: 'up1', url: '/files/up1', url_expires_at: '2099-01-01T00:00:00Z', content_type: 'image/jpeg', kind: 'id_front',
      },
    });
    const list = uploadList.createUploadList();
    const item = list.add('id_front', { path: 'http://tmp/p.jpg', size: 10 });
    const seen = [];
    await run.runUpload(list, item, { onChange: (i) => seen.push(`${i.status}:${i.progress}`) });
    expect(seen).toEqual(['uploading:0', 'uploading:30', 'uploading:100', 'done:100']);
    expect(list.stored()).toEqual([{
      kind: 'id_front', id: 'up1', url: '/files/up1', url_expires_at: '2099-01-01T00:00:00Z', name: '', content_type: 'image/jpeg', localPath: 'http://tmp/p.jpg',
    }]);
    expect(fake.uploads()[0]).toMatchObject({ filePath: 'http://tmp/p.jpg', formData: { kind: 'id_front' } });
  });

  test('a network failure is tried again once, then offered 重试 in plain words; 413 is not', async () => {
    fake.route('UPLOAD', '/api/v1/uploads', { fail: { errMsg: 'uploadFile:fail' } });
    const list = uploadList.createUploadList();
    const item = list.add('id_front', { path: 'http://tmp/p.jpg' });
    await run.runUpload(list, item, { retryDelayMs: 0 });
    expect(fake.uploads()).toHaveLength(2);
    // eslint-disable-next-line global-require
    expect(item).toMatchObject({ status: 'failed', retryable: true, error: require('../api/uploads').UPLOAD_TEXT.NETWORK });

    fake.route('UPLOAD', '/api/v1/uploads', { statusCode: 413, data: envelope('BODY_TOO_LARGE', 'x') });
    await run.runUpload(list, item, { retryDelayMs: 0 });
    expect(item).toMatchObject({ status: 'failed', retryable: false });
    expect(item.error).toContain('不能超过10MB');
  });

  test('a file removed while uploading is left alone', async () => {
    const held = fake.pending();
    fake.route('UPLOAD', '/api/v1/uploads', () => held.promise);
    const list = uploadList.createUploadList();
    const item = list.add('id_front', { path: 'http://tmp/p.jpg' });
    const done = run.runUpload(list, item);
    list.remove(item.key);
    held.release({ statusCode: 201, data: { id: 'up1' } });
    await done;
    expect(item.id).toBe('');
    expect(list.ids()).toEqual([]);
  });
});

describe('lib/upload-pick', () => {
  test('photos: camera or album, compressed; a cancel is an empty list', async () => {
    await expect(pick.pickPhotos(2)).resolves.toEqual([{ path: 'http://tmp/photo-1.jpg', size: 300 * 1024, name: '' }]);
    expect(fake.wx.chooseMedia.mock.calls[0][0]).toMatchObject({
      count: 2, mediaType: ['image'], sourceType: ['camera', 'album'], sizeType: ['compressed'],
    });
    fake.wx.chooseMedia.mockImplementation((opts) => setTimeout(() => opts.fail({ errMsg: 'chooseMedia:fail cancel' }), 0));
    await expect(pick.pickPhotos(1)).resolves.toEqual([]);
  });

  test('a photo still over 2 MB is compressed again', async () => {
    fake.wx.chooseMedia.mockImplementation((opts) => setTimeout(() => opts.success({
      tempFiles: [{ tempFilePath: 'http://tmp/big.jpg', size: 5 * 1024 * 1024 }],
    }), 0));
    fake.wx.compressImage = jest.fn((opts) => setTimeout(() => opts.success({ tempFilePath: 'http://tmp/small.jpg' }), 0));
    const [file] = await pick.pickPhotos(1);
    expect(fake.wx.compressImage.mock.calls[0][0]).toMatchObject({ src: 'http://tmp/big.jpg', quality: 60 });
    expect(file.path).toBe('http://tmp/small.jpg');
  });

  test('chat files: PDFs and pictures', async () => {
    await expect(pick.pickChatFiles(3)).resolves.toEqual([{ path: 'http://tmp/licence.pdf', size: 500 * 1024, name: '营业执照.pdf' }]);
    expect(fake.wx.chooseMessageFile.mock.calls[0][0]).toMatchObject({ type: 'file', extension: ['pdf', 'jpg', 'jpeg', 'png'] });
  });
});

describe('lib/file-viewer: short-lived links', () => {
  const NOW = Date.parse('2026-12-03T08:00:00Z');

  test('only links that ran out (or are about to) are renewed, through GET /api/v1/uploads/{id}', async () => {
    fake.route('GET', '/api/v1/uploads/old', {
      statusCode: 200, data: { id: 'old', url: '/files/old?sig=new', url_expires_at: '2026-12-03T08:10:00Z' },
    });
    const items = [
      { id: 'old', url: '/files/old?sig=1', url_expires_at: '2026-12-03T08:00:30Z' },
      { id: 'fresh', url: '/files/fresh?sig=1', url_expires_at: '2026-12-03T08:09:00Z' },
      { id: '', localPath: 'http://tmp/p.jpg' },
    ];
    const out = await viewer.freshLinks(items, { now: NOW });
    expect(out[0]).toMatchObject({ url: '/files/old?sig=new', url_expires_at: '2026-12-03T08:10:00Z' });
    expect(out[1]).toBe(items[1]);
    expect(out[2]).toBe(items[2]);
    expect(fake.wx.request).toHaveBeenCalledTimes(1);
  });

  test('a failed renewal keeps the old link', async () => {
    fake.route('GET', '/api/v1/uploads/x', { fail: { errMsg: 'request:fail' } });
    const item = { id: 'x', url: '/files/x', url_expires_at: '2020-01-01T00:00:00Z' };
    await expect(viewer.freshLinks([item], { now: NOW })).resolves.toEqual([item]);
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });
});
