/**
 * api/uploads.js: wx.uploadFile with the token, progress, an automatic
 * retry on network failure, one re-sign-in on 401, and plain words for
 * 413/415.
 */
const { createFakeWx, envelope, BASE_URL } = require('./helpers/fake-wx');

let fake;
let uploads;

beforeEach(() => {
  jest.resetModules();
  fake = createFakeWx({ token: 'tok' });
  global.wx = fake.wx;
  uploads = require('../api/uploads');
});

afterEach(() => {
  delete global.wx;
});

const OK = {
  statusCode: 201,
  progress: [10, 55, 100],
  data: { id: 'up1', url: '/files/up1?sig=x', kind: 'id_front', content_type: 'image/jpeg', size: 12345, name: 'a.jpg' },
};

describe('uploadFile', () => {
  test('sends the file as multipart `file` with `kind`, the token, and reports progress', async () => {
    fake.route('UPLOAD', '/api/v1/uploads', OK);
    const progress = [];

    const up = await uploads.uploadFile({ filePath: 'http://tmp/a.jpg', kind: 'id_front', onProgress: (p) => progress.push(p) });

    expect(up).toEqual(OK.data);
    expect(progress).toEqual([10, 55, 100]);
    const call = fake.uploads()[0];
    expect(call.url).toBe(`${BASE_URL}/api/v1/uploads`);
    expect(call.name).toBe('file');
    expect(call.filePath).toBe('http://tmp/a.jpg');
    expect(call.formData).toEqual({ kind: 'id_front' });
    expect(call.header.Authorization).toBe('Bearer tok');
    expect(call.timeout).toBeGreaterThanOrEqual(60000);
  });

  test('413 explains the 10 MB limit and is not worth retrying', async () => {
    fake.route('UPLOAD', '/api/v1/uploads', { statusCode: 413, data: envelope('BODY_TOO_LARGE', '请求内容过大') });

    const err = await uploads.uploadFile({ filePath: 'http://tmp/big.jpg', kind: 'other', retryDelayMs: 0 }).catch((e) => e);

    expect(err.status).toBe(413);
    expect(err.message).toBe('文件太大了（不能超过10MB），请重新拍一张，或换一个小一点的文件');
    expect(err.retryable).toBe(false);
    expect(fake.uploads()).toHaveLength(1);
  });

  test('415 says which files are accepted', async () => {
    fake.route('UPLOAD', '/api/v1/uploads', { statusCode: 415, data: envelope('UNSUPPORTED_MEDIA_TYPE', 'unsupported') });

    const err = await uploads.uploadFile({ filePath: 'http://tmp/a.doc', kind: 'other' }).catch((e) => e);

    expect(err.status).toBe(415);
    expect(err.message).toBe('这种文件传不了，只能上传照片（JPG、PNG）或PDF文件');
    expect(err.retryable).toBe(false);
  });

  test('a file over 10 MB is refused before anything is sent', async () => {
    const err = await uploads.uploadFile({ filePath: 'http://tmp/huge.jpg', kind: 'other', size: 11 * 1024 * 1024 })
      .catch((e) => e);

    expect(err.code).toBe('FILE_TOO_LARGE');
    expect(err.message).toContain('不能超过10MB');
    expect(fake.wx.uploadFile).not.toHaveBeenCalled();
  });

  test('a network failure is retried once by itself, then reported as retryable', async () => {
    fake.route('UPLOAD', '/api/v1/uploads', { fail: { errMsg: 'uploadFile:fail timeout' } }, OK);
    await expect(uploads.uploadFile({ filePath: 'http://tmp/a.jpg', kind: 'id_front', retryDelayMs: 0 }))
      .resolves.toEqual(OK.data);
    expect(fake.uploads()).toHaveLength(2);

    fake.route('UPLOAD', '/api/v1/uploads', { fail: { errMsg: 'uploadFile:fail' } });
    const err = await uploads.uploadFile({ filePath: 'http://tmp/a.jpg', kind: 'id_front', retryDelayMs: 0 }).catch((e) => e);
    expect(err.status).toBe(0);
    expect(err.message).toBe(uploads.UPLOAD_TEXT.NETWORK);
    expect(err.retryable).toBe(true);
    expect(fake.uploads()).toHaveLength(4);
  });

  test('401 signs in again once and sends the file with the new token', async () => {
    fake.route('UPLOAD', '/api/v1/uploads',
      { statusCode: 401, data: envelope('SESSION_EXPIRED', '登录已过期') },
      OK);
    fake.route('POST', '/api/v1/auth/login', {
      statusCode: 200, data: { token: 'new-tok', expires_in: 600, user: { id: 1 } },
    });

    await expect(uploads.uploadFile({ filePath: 'http://tmp/a.jpg', kind: 'id_front' })).resolves.toEqual(OK.data);

    expect(fake.uploads().map((c) => c.header.Authorization)).toEqual(['Bearer tok', 'Bearer new-tok']);
  });

  test('a server error keeps the server message and can be retried', async () => {
    fake.route('UPLOAD', '/api/v1/uploads', { statusCode: 400, data: envelope('UPLOAD_INCOMPLETE', '文件没有上传完整，请重新上传') });
    const bad = await uploads.uploadFile({ filePath: 'http://tmp/a.jpg', kind: 'id_front' }).catch((e) => e);
    expect(bad.message).toBe('文件没有上传完整，请重新上传');
    expect(bad.retryable).toBe(false);

    fake.route('UPLOAD', '/api/v1/uploads', { statusCode: 500, data: 'oops' });
    const down = await uploads.uploadFile({ filePath: 'http://tmp/a.jpg', kind: 'id_front' }).catch((e) => e);
    expect(down.retryable).toBe(true);
  });

  test('tells pictures from PDFs', () => {
    expect(uploads.isImage({ content_type: 'image/png' })).toBe(true);
    expect(uploads.isPdf({ content_type: 'application/pdf' })).toBe(true);
    expect(uploads.isImage({ name: 'x.JPG' })).toBe(true);
    expect(uploads.isPdf({ url: '/files/a.pdf?sig=1' })).toBe(true);
    expect(uploads.isImage({ content_type: 'application/pdf', name: 'a.jpg' })).toBe(false);
  });
});

describe('getUpload', () => {
  test('GET /api/v1/uploads/{id} gives the upload with a fresh link, silently', async () => {
    fake.route('GET', '/api/v1/uploads/up1', { statusCode: 200, data: Object.assign({}, OK.data, { url: '/files/up1?sig=new' }) });
    await expect(uploads.getUpload('up1')).resolves.toMatchObject({ id: 'up1', url: '/files/up1?sig=new' });
    fake.route('GET', '/api/v1/uploads/up2', { statusCode: 404, data: envelope('NOT_FOUND', '不存在') });
    await expect(uploads.getUpload('up2')).rejects.toMatchObject({ status: 404 });
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });
});
