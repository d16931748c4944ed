/**
 * 我的预约 (pages/appointments/appointments) and 预约详情
 * (pages/appointments/detail?id=N, what inbox messages open for both
 * sides): the list's states; the booker's view (cancel, TOO_LATE_TO_CANCEL
 * in plain words, the mentor's cancel message, rating after attended); the
 * mentor's view (booker, topic, mode; confirm / decline; attended with a
 * note / no-show; cancel with a message; TOO_EARLY, INVALID_TRANSITION).
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, type, simulate,
} = require('./helpers/page');

const simulateWx = global.wx;
let fake;
let opened = [];

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(async () => {
  opened.forEach((page) => {
    try {
      page.detach();
    } catch (e) {
      // already closed
    }
  });
  opened = [];
  await simulate.sleep(20);
  global.wx = simulateWx;
});

function open(name, query) {
  const page = mountPage(name, query);
  opened.push(page);
  return page;
}

function appt(over) {
  return Object.assign({
    id: 31,
    mentor_id: 4,
    mentor_name: '王导师',
    user_id: 9,
    booker_name: '李回乡',
    start: '2026-12-07T10:00:00+08:00',
    end: '2026-12-07T11:00:00+08:00',
    mode: 'phone',
    topic: '网店怎么起步',
    status: 'requested',
    note: '',
    cancelled_by: null,
    cancel_message: '',
    stars: null,
    comment: '',
  }, over);
}

const ONE = '/api/v1/appointments/31';

async function openDetail(a) {
  fake.route('GET', ONE, { statusCode: 200, data: a });
  const page = open('pages/appointments/detail', { id: '31' });
  await settle(page, (p) => find(p, '#summary'), 'shown');
  return page;
}

describe('pages/appointments/appointments: 我的预约', () => {
  test('cards: mentor, Beijing time, mode, status; tap opens the detail', async () => {
    fake.route('GET', '/api/v1/me/appointments', {
      statusCode: 200,
      data: { items: [appt(), appt({ id: 30, status: 'attended', start: '2026-12-01T01:00:00Z', end: '2026-12-01T02:00:00Z' })] },
    });
    const page = open('pages/appointments/appointments');
    await settle(page, (p) => find(p, '#appt-31'), 'list');
    expect(text(page, '#appt-31-mentor')).toBe('王导师');
    expect(text(page, '#appt-31-status')).toBe('等导师确认');
    expect(text(page, '#appt-31-time')).toBe('12月7日 周一 10:00–11:00');
    expect(text(page, '#appt-31-mode')).toBe('电话');
    expect(text(page, '#appt-30-time')).toBe('12月1日 周二 09:00–10:00');
    expect(text(page, '#appt-30-status')).toBe('已完成');
    await tap(page, '#appt-31');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/appointments/detail?id=31' }));
  });

  test('none yet, with 找导师预约; an error with 重试', async () => {
    fake.route('GET', '/api/v1/me/appointments', { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: { items: [] } });
    const page = open('pages/appointments/appointments');
    await settle(page, (p) => find(p, '#state >>> #state-error'), 'error');
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#state >>> #state-empty'), 'empty');
    expect(text(page, '#state >>> #state-empty')).toBe('还没有预约过导师');
    await tap(page, '#find-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/mentors/mentors' }));
  });
});

describe('pages/appointments/detail: the booker', () => {
  test('status, time, mode, topic; 取消预约 asks, then cancels', async () => {
    fake.route('POST', `${ONE}/cancel`, { statusCode: 200, data: appt({ status: 'cancelled', cancelled_by: 'booker' }) });
    const page = await openDetail(appt({ viewer: 'booker', status: 'confirmed' }));
    expect(text(page, '#who')).toBe('导师：王导师');
    expect(text(page, '#status')).toBe('已确认');
    expect(text(page, '#time')).toBe('时间：12月7日 周一 10:00–11:00（北京时间）');
    expect(text(page, '#mode')).toBe('方式：电话');
    expect(text(page, '#topic')).toBe('想聊：网店怎么起步');
    expect(find(page, '#mentor-actions')).toBeFalsy();
    await tap(page, '#cancel-btn');
    expect(fake.wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ confirmText: '取消预约', cancelText: '不取消' }));
    await settle(page, (p) => text(p, '#status') === '已取消', 'cancelled');
    expect(fake.calls('POST', `${ONE}/cancel`)).toHaveLength(1);
    expect(find(page, '#cancel-btn')).toBeFalsy();
  });

  test('TOO_LATE_TO_CANCEL: 开始前 2 小时内不能取消', async () => {
    fake.route('POST', `${ONE}/cancel`, { statusCode: 409, data: envelope('TOO_LATE_TO_CANCEL', 'x') });
    const page = await openDetail(appt({ viewer: 'booker', status: 'confirmed' }));
    await tap(page, '#cancel-btn');
    await settle(page, (p) => find(p, '#problem'), 'problem');
    expect(text(page, '#problem')).toContain('开始前 2 小时内不能取消');
    expect(text(page, '#status')).toBe('已确认');
  });

  test('the mentor cancelled: the message is shown; nothing to do', async () => {
    const page = await openDetail(appt({
      viewer: 'booker', status: 'cancelled', cancelled_by: 'mentor', cancel_message: '临时出差，抱歉',
    }));
    expect(text(page, '#cancel-message')).toBe('导师取消了这次预约：临时出差，抱歉');
    expect(find(page, '#cancel-btn')).toBeFalsy();
    expect(find(page, '#rate')).toBeFalsy();
  });

  test('attended: the note, then a rating once (stars and comment)', async () => {
    fake.route('POST', `${ONE}/rate`, { statusCode: 200, data: appt({ status: 'attended', note: '聊了选品', stars: 4, comment: '很实用' }) });
    const page = await openDetail(appt({ viewer: 'booker', status: 'attended', note: '聊了选品' }));
    expect(text(page, '#note')).toBe('导师记录：聊了选品');
    await tap(page, '#rate-btn');
    expect(text(page, '#problem')).toBe('请点星星打分（1到5颗星）');
    await tap(page, '#star-4');
    await type(page, '#comment', ' 很实用 ');
    await tap(page, '#rate-btn');
    await settle(page, (p) => find(p, '#rated'), 'rated');
    expect(fake.calls('POST', `${ONE}/rate`)[0].data).toEqual({ stars: 4, comment: '很实用' });
    expect(text(page, '#rated')).toBe('评价：★★★★☆ 4星，很实用');
    expect(find(page, '#rate')).toBeFalsy();
  });

  test('not mine (404), and a failed load with 重试', async () => {
    fake.route('GET', ONE, { statusCode: 404, data: envelope('NOT_FOUND', 'x') });
    const page = open('pages/appointments/detail', { id: '31' });
    await settle(page, (p) => find(p, '#state >>> #state-empty'), 'empty');
    expect(text(page, '#state >>> #state-empty')).toBe('没有找到这个预约，可能不是您的预约。');

    fake.route('GET', ONE, { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: appt({ viewer: 'booker' }) });
    const failed = open('pages/appointments/detail', { id: '31' });
    await settle(failed, (p) => find(p, '#state >>> #state-retry'), 'error');
    await tap(failed, '#state >>> #state-retry');
    await settle(failed, (p) => find(p, '#summary'), 'shown');
  });
});

describe('pages/appointments/detail: the mentor', () => {
  test('requested: the booker, topic and mode; 确认预约', async () => {
    fake.route('POST', '/api/v1/mentor/appointments/31/confirm', { statusCode: 200, data: appt({ status: 'confirmed' }) });
    const page = await openDetail(appt({ viewer: 'mentor' }));
    expect(text(page, '#who')).toBe('预约人：李回乡');
    expect(text(page, '#topic')).toBe('想聊：网店怎么起步');
    expect(find(page, '#cancel-btn')).toBeFalsy();
    expect(find(page, '#decline-btn')).toBeTruthy();
    await tap(page, '#confirm-btn');
    await settle(page, (p) => text(p, '#status') === '已确认', 'confirmed');
    // Still the mentor's view after the answer (which has no viewer).
    expect(find(page, '#attended-btn')).toBeTruthy();
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已确认，已告诉对方' }));
  });

  describe('确认 asks for the notice consent (reminders a day and an hour before)', () => {
    const SETTINGS = '/api/v1/me/notification-settings';
    const NOTICE = 'TMPL_NOTICE';
    const settings = (over) => ({
      statusCode: 200,
      data: Object.assign({
        pushes_enabled: true, notice_template_id: NOTICE, notice_consent: 'none', notice_remaining: 0, quiet_hours: { from: '22:00', to: '08:00' }, weekly_cap: 3,
      }, over),
    });

    async function openRequested() {
      fake.route('POST', '/api/v1/mentor/appointments/31/confirm', { statusCode: 200, data: appt({ status: 'confirmed' }) });
      const page = await openDetail(appt({ viewer: 'mentor' }));
      await settle(page, () => fake.calls('GET', SETTINGS).length === 1, 'settings read');
      await simulate.sleep(10);
      return page;
    }

    test('accepted: one plain line, asked inside the tap, reported; confirmed', async () => {
      fake.route('GET', SETTINGS, settings());
      fake.route('POST', '/api/v1/me/subscriptions', { statusCode: 200, data: { consents: { [NOTICE]: 1 } } });
      const page = await openRequested();
      expect(text(page, '#remind-text')).toBe('确认后，预约前一天和前一小时在微信里提醒您；微信会问您是否允许，不同意也照样确认。');
      await tap(page, '#confirm-btn');
      await settle(page, (p) => text(p, '#status') === '已确认', 'confirmed');
      await settle(page, () => fake.calls('POST', '/api/v1/me/subscriptions').length === 1, 'reported');
      expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
      expect(fake.wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual([NOTICE]);
      expect(fake.calls('POST', '/api/v1/me/subscriptions')[0].data).toEqual({ accepted: [NOTICE] });
      expect(fake.calls('POST', '/api/v1/mentor/appointments/31/confirm')).toHaveLength(1);
      expect(find(page, '#remind-text')).toBeFalsy();
    });

    test('rejected: confirmed all the same, nothing reported', async () => {
      fake.route('GET', SETTINGS, settings());
      fake.subscribeAnswer = { [NOTICE]: 'reject' };
      const page = await openRequested();
      await tap(page, '#confirm-btn');
      await settle(page, (p) => text(p, '#status') === '已确认', 'confirmed');
      await simulate.sleep(20);
      expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
      expect(fake.calls('POST', '/api/v1/me/subscriptions')).toHaveLength(0);
    });

    test.each([
      ['pushes switched off in 消息推送', { pushes_enabled: false }],
      ['a long-term consent already', { notice_consent: 'long_term' }],
    ])('%s: no line, no prompt; confirmed', async (what, over) => {
      fake.route('GET', SETTINGS, settings(over));
      const page = await openRequested();
      expect(find(page, '#remind-text')).toBeFalsy();
      await tap(page, '#confirm-btn');
      await settle(page, (p) => text(p, '#status') === '已确认', 'confirmed');
      expect(fake.wx.requestSubscribeMessage).not.toHaveBeenCalled();
    });

    test('婉拒 asks nothing; the booker\'s side never reads the settings', async () => {
      fake.route('GET', SETTINGS, settings());
      fake.route('POST', '/api/v1/mentor/appointments/31/decline', { statusCode: 200, data: appt({ status: 'declined' }) });
      const page = await openRequested();
      await tap(page, '#decline-btn');
      await settle(page, (p) => text(p, '#status') !== '待确认', 'declined');
      expect(fake.wx.requestSubscribeMessage).not.toHaveBeenCalled();

      const booker = await openDetail(appt({ viewer: 'booker' }));
      await simulate.sleep(20);
      expect(find(booker, '#remind-text')).toBeFalsy();
      expect(fake.calls('GET', SETTINGS)).toHaveLength(1);
    });
  });

  test('婉拒', async () => {
    fake.route('POST', '/api/v1/mentor/appointments/31/decline', { statusCode: 200, data: appt({ status: 'declined' }) });
    const page = await openDetail(appt({ viewer: 'mentor' }));
    await tap(page, '#decline-btn');
    await settle(page, (p) => text(p, '#status') === '导师没有接受', 'declined');
    expect(text(page, '#mentor-done')).toBe('这个预约已经结束，不用再操作。');
  });

  test('confirmed: 已到场 with a note; TOO_EARLY before the start', async () => {
    const url = '/api/v1/mentor/appointments/31/attended';
    fake.route('POST', url, { statusCode: 409, data: envelope('TOO_EARLY', 'x') }, { statusCode: 200, data: appt({ status: 'attended', note: '聊了选品' }) });
    const page = await openDetail(appt({ viewer: 'mentor', status: 'confirmed' }));
    await type(page, '#note-input', '聊了选品');
    await tap(page, '#attended-btn');
    await settle(page, (p) => find(p, '#problem'), 'too early');
    expect(text(page, '#problem')).toBe('预约还没开始，开始以后才能登记是否到场。');
    await tap(page, '#attended-btn');
    await settle(page, (p) => text(p, '#status') === '已完成', 'attended');
    expect(fake.calls('POST', url)[1].data).toEqual({ note: '聊了选品' });
    expect(text(page, '#note')).toBe('导师记录：聊了选品');
  });

  test('confirmed: 没有到场', async () => {
    fake.route('POST', '/api/v1/mentor/appointments/31/no-show', { statusCode: 200, data: appt({ status: 'no_show' }) });
    const page = await openDetail(appt({ viewer: 'mentor', status: 'confirmed' }));
    await tap(page, '#no-show-btn');
    await settle(page, (p) => text(p, '#status') === '没有到场', 'no show');
  });

  test('取消 needs a message to the booker, which is sent', async () => {
    const url = '/api/v1/mentor/appointments/31/cancel';
    fake.route('POST', url, { statusCode: 200, data: appt({ status: 'cancelled', cancelled_by: 'mentor', cancel_message: '临时出差，抱歉' }) });
    const page = await openDetail(appt({ viewer: 'mentor', status: 'confirmed' }));
    await tap(page, '#mentor-cancel-btn');
    await settle(page, (p) => find(p, '#cancel-message-input'), 'message box');
    await tap(page, '#mentor-cancel-confirm');
    expect(text(page, '#problem')).toBe('请写一句给对方的话，说明为什么取消');
    expect(fake.calls('POST', url)).toEqual([]);
    await type(page, '#cancel-message-input', '临时出差，抱歉');
    await tap(page, '#mentor-cancel-confirm');
    await settle(page, (p) => text(p, '#status') === '已取消', 'cancelled');
    expect(fake.calls('POST', url)[0].data).toEqual({ message: '临时出差，抱歉' });
  });

  test('INVALID_TRANSITION: said, and the appointment shown as it is now', async () => {
    fake.route('POST', '/api/v1/mentor/appointments/31/confirm', { statusCode: 409, data: envelope('INVALID_TRANSITION', 'x') });
    const page = await openDetail(appt({ viewer: 'mentor' }));
    fake.route('GET', ONE, { statusCode: 200, data: appt({ viewer: 'mentor', status: 'cancelled', cancelled_by: 'booker' }) });
    await tap(page, '#confirm-btn');
    await settle(page, (p) => text(p, '#status') === '已取消', 'reloaded');
    expect(text(page, '#problem')).toBe('这个预约的状态已经变了，已为您刷新。');
  });
});
