/**
 * 导师工作台 (pages/mentor/mentor) and 可预约时间 (pages/mentor/availability):
 * the consultations to answer (overdue marked), appointments by status with
 * 确认 on a requested one, 403 said plainly; the weekly windows and dates off
 * edited and saved (quarter hours, overlaps refused before sending), and
 * the appointments that no longer fit listed to keep or cancel with a
 * message. lib/availability-form.js checks as the server does.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, type, trigger, simulate,
} = require('./helpers/page');
const form = require('../lib/availability-form');

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
    booker_name: '李回乡',
    start: '2026-12-07T10:00:00+08:00',
    end: '2026-12-07T11:00:00+08:00',
    mode: 'online',
    topic: '网店怎么起步',
    status: 'requested',
  }, over);
}

const CONSULTS = '/api/v1/mentor/consultations';
const APPTS = '/api/v1/mentor/appointments';
const AVAIL = '/api/v1/mentor/availability';

describe('pages/mentor/mentor: 导师工作台', () => {
  test('待回复问诊 (overdue marked, closed left out); 预约 by status; 确认 on a requested one', async () => {
    fake.route('GET', CONSULTS, {
      statusCode: 200,
      data: {
        items: [
          {
            id: 8, question: '茶叶怎么卖', status: 'assigned', overdue: true, due_at: '2026-12-03T02:00:00Z', first_reply_at: null, asker: { name: '李回乡' },
          },
          {
            id: 9, question: '贷款怎么办', status: 'assigned', overdue: false, due_at: '2026-12-05T02:00:00Z', first_reply_at: null, asker: { name: '张返乡' },
          },
          { id: 7, question: '已结束的', status: 'closed', asker: { name: '赵' } },
        ],
      },
    });
    fake.route('GET', APPTS, { statusCode: 200, data: { items: [appt(), appt({ id: 32, status: 'confirmed', booker_name: '' }), appt({ id: 33, status: 'attended' })] } });
    fake.route('POST', `${APPTS}/31/confirm`, { statusCode: 200, data: appt({ status: 'confirmed' }) });
    const page = open('pages/mentor/mentor');
    await settle(page, (p) => find(p, '#consult-8'), 'desk');
    expect(text(page, '#consult-8-status')).toBe('已超时');
    expect(text(page, '#consult-9-status')).toBe('等导师回复');
    expect(find(page, '#consult-7')).toBeFalsy();
    expect(text(page, '#tab-requested')).toBe('待确认 1');
    expect(text(page, '#appt-31-booker')).toBe('李回乡');
    expect(text(page, '#appt-31-topic')).toBe('网店怎么起步');
    expect(find(page, '#appt-32')).toBeFalsy();

    await tap(page, '#consult-8');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/consultations/detail?id=8' }));

    await tap(page, '#confirm-31');
    await settle(page, (p) => !find(p, '#appt-31'), 'confirmed, moved');
    expect(text(page, '#tab-confirmed')).toBe('已确认 2');
    await tap(page, '#tab-confirmed');
    await settle(page, (p) => find(p, '#appt-32'), 'confirmed tab');
    expect(text(page, '#appt-32-booker')).toBe('（没有登记姓名）');
    await tap(page, '#tab-done');
    await settle(page, (p) => find(p, '#appt-33'), 'done tab');

    await tap(page, '#availability-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/mentor/availability' }));
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

    async function openDesk() {
      fake.route('GET', CONSULTS, { statusCode: 200, data: { items: [] } });
      fake.route('GET', APPTS, { statusCode: 200, data: { items: [appt()] } });
      fake.route('POST', `${APPTS}/31/confirm`, { statusCode: 200, data: appt({ status: 'confirmed' }) });
      const page = open('pages/mentor/mentor');
      await settle(page, (p) => find(p, '#appt-31') && fake.calls('GET', SETTINGS).length === 1, 'desk');
      await simulate.sleep(10);
      return page;
    }

    test('accepted: one plain line, asked inside the tap, reported; confirmed', async () => {
      fake.route('GET', SETTINGS, settings());
      fake.route('POST', '/api/v1/me/subscriptions', { statusCode: 200, data: { consents: { [NOTICE]: 1 } } });
      const page = await openDesk();
      expect(text(page, '#remind-text')).toBe('确认后，预约前一天和前一小时在微信里提醒您；微信会问您是否允许，不同意也照样确认。');
      await tap(page, '#confirm-31');
      await settle(page, (p) => !find(p, '#appt-31'), 'confirmed, moved');
      await settle(page, () => fake.calls('POST', '/api/v1/me/subscriptions').length === 1, 'reported');
      expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
      expect(fake.wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual([NOTICE]);
      expect(fake.calls('POST', `${APPTS}/31/confirm`)).toHaveLength(1);
      // Nothing left to confirm: no line.
      expect(find(page, '#remind-text')).toBeFalsy();
    });

    test('rejected: confirmed all the same, nothing reported', async () => {
      fake.route('GET', SETTINGS, settings({ notice_consent: 'one_time', notice_remaining: 1 }));
      fake.subscribeAnswer = { [NOTICE]: 'reject' };
      const page = await openDesk();
      await tap(page, '#confirm-31');
      await settle(page, (p) => !find(p, '#appt-31'), 'confirmed, moved');
      await simulate.sleep(20);
      expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
      expect(fake.calls('POST', '/api/v1/me/subscriptions')).toHaveLength(0);
      expect(text(page, '#tab-confirmed')).toBe('已确认 1');
    });

    test.each([
      ['pushes switched off in 消息推送', { pushes_enabled: false }],
      ['a long-term consent already', { notice_consent: 'long_term' }],
    ])('%s: no line, no prompt; confirmed', async (what, over) => {
      fake.route('GET', SETTINGS, settings(over));
      const page = await openDesk();
      expect(find(page, '#remind-text')).toBeFalsy();
      await tap(page, '#confirm-31');
      await settle(page, (p) => !find(p, '#appt-31'), 'confirmed, moved');
      expect(fake.wx.requestSubscribeMessage).not.toHaveBeenCalled();
    });
  });

  test('nothing to do: said so', async () => {
    fake.route('GET', CONSULTS, { statusCode: 200, data: { items: [] } });
    fake.route('GET', APPTS, { statusCode: 200, data: { items: [] } });
    const page = open('pages/mentor/mentor');
    await settle(page, (p) => find(p, '#no-consultations'), 'desk');
    expect(text(page, '#no-appointments')).toBe('没有待确认的预约');
  });

  test('not a mentor (403): said plainly; a failed load offers 重试', async () => {
    fake.route('GET', CONSULTS, { statusCode: 403, data: envelope('FORBIDDEN', 'x') });
    fake.route('GET', APPTS, { statusCode: 403, data: envelope('FORBIDDEN', 'x') });
    const page = open('pages/mentor/mentor');
    await settle(page, (p) => find(p, '#state >>> #state-empty'), 'forbidden');
    expect(text(page, '#state >>> #state-empty')).toContain('不是在岗的创业导师');

    fake.route('GET', CONSULTS, { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: { items: [] } });
    fake.route('GET', APPTS, { statusCode: 200, data: { items: [] } });
    const failed = open('pages/mentor/mentor');
    await settle(failed, (p) => find(p, '#state >>> #state-retry'), 'error');
    await tap(failed, '#state >>> #state-retry');
    await settle(failed, (p) => find(p, '#no-consultations'), 'loaded');
  });
});

describe('pages/mentor/availability: 可预约时间', () => {
  const SAVED = {
    weekly: [{ weekday: 1, start: '09:00', end: '12:00' }],
    exceptions: [],
  };

  test('windows per weekday: add, change by quarter hours, remove; dates off; the body saved', async () => {
    fake.route('GET', AVAIL, { statusCode: 200, data: SAVED });
    fake.route('PUT', AVAIL, (opts) => ({ statusCode: 200, data: { availability: opts.data, affected: [] } }));
    const page = open('pages/mentor/availability');
    await settle(page, (p) => find(p, '#window-1-0'), 'form');
    expect(text(page, '#window-1-0')).toContain('09:00');
    expect(text(page, '#day-2-none')).toBe('不接受预约');

    await tap(page, '#add-window-1');
    await settle(page, (p) => find(p, '#window-1-1'), 'added');
    expect(text(page, '#window-1-1')).toContain('12:00');
    expect(text(page, '#window-1-1')).toContain('13:00');
    // 14:30 is the 58th quarter hour of the day; an end of 17:45 the 71st (ends start at 00:15).
    await trigger(page, '#window-1-1-start', 'change', { value: 58 });
    await trigger(page, '#window-1-1-end', 'change', { value: 70 });
    await settle(page, (p) => text(p, '#window-1-1').includes('14:30') && text(p, '#window-1-1').includes('17:45'), 'changed');

    await tap(page, '#add-window-3');
    await tap(page, '#window-3-0-remove');
    await settle(page, (p) => find(p, '#day-3-none'), 'removed');

    await tap(page, '#add-exception');
    await settle(page, (p) => find(p, '#exception-0'), 'exception');
    await trigger(page, '#exception-0-from', 'change', { value: '2026-12-24' });
    await trigger(page, '#exception-0-to', 'change', { value: '2027-01-02' });
    await type(page, '#exception-0-note', '年底休息');

    await tap(page, '#save-btn');
    await settle(page, () => fake.wx.showToast.mock.calls.length, 'saved');
    expect(fake.calls('PUT', AVAIL)[0].data).toEqual({
      weekly: [{ weekday: 1, start: '09:00', end: '12:00' }, { weekday: 1, start: '14:30', end: '17:45' }],
      exceptions: [{ from: '2026-12-24', to: '2027-01-02', note: '年底休息' }],
    });
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已保存' }));
    expect(find(page, '#affected')).toBeFalsy();
  });

  test('an overlap or an end before the start is refused before sending', async () => {
    fake.route('GET', AVAIL, { statusCode: 200, data: { weekly: [{ weekday: 2, start: '09:00', end: '12:00' }, { weekday: 2, start: '11:00', end: '13:00' }], exceptions: [] } });
    const page = open('pages/mentor/availability');
    await settle(page, (p) => find(p, '#window-2-1'), 'form');
    await tap(page, '#save-btn');
    expect(text(page, '#form-error')).toBe('周二的两个时段重叠了，请改一下');
    await tap(page, '#window-2-1-remove');
    await trigger(page, '#window-2-0-end', 'change', { value: 0 });
    await tap(page, '#save-btn');
    expect(text(page, '#form-error')).toBe('周二 09:00–00:15：结束时间要晚于开始时间');
    expect(fake.calls('PUT', AVAIL)).toEqual([]);
  });

  test('affected appointments: listed; 保留 keeps one, 取消 sends the message', async () => {
    fake.route('GET', AVAIL, { statusCode: 200, data: SAVED });
    fake.route('PUT', AVAIL, {
      statusCode: 200,
      data: {
        availability: { weekly: [], exceptions: [] },
        affected: [appt({ status: 'confirmed' }), appt({ id: 32, booker_name: '张返乡', start: '2026-12-08T09:00:00+08:00', end: '2026-12-08T10:00:00+08:00' })],
      },
    });
    const cancelUrl = `${APPTS}/32/cancel`;
    fake.route('POST', cancelUrl, { statusCode: 200, data: appt({ id: 32, status: 'cancelled', cancelled_by: 'mentor' }) });
    const page = open('pages/mentor/availability');
    await settle(page, (p) => find(p, '#window-1-0-remove'), 'form');
    await tap(page, '#window-1-0-remove');
    await tap(page, '#save-btn');
    await settle(page, (p) => find(p, '#affected'), 'affected');
    expect(fake.calls('PUT', AVAIL)[0].data).toEqual({ weekly: [], exceptions: [] });
    expect(text(page, '#affected-31-time')).toBe('12月7日 周一 10:00–11:00 · 线上视频');
    expect(text(page, '#affected-32')).toContain('张返乡');

    await tap(page, '#affected-31-keep');
    await settle(page, (p) => find(p, '#affected-31-kept'), 'kept');
    expect(fake.calls('POST', `${APPTS}/31/cancel`)).toEqual([]);

    await tap(page, '#affected-32-cancel');
    await settle(page, (p) => find(p, '#affected-32-message'), 'message box');
    await tap(page, '#affected-32-cancel-confirm');
    expect(text(page, '#affected-32-error')).toBe('请写一句给对方的话，说明为什么取消');
    await type(page, '#affected-32-message', '这周要出差，抱歉');
    await tap(page, '#affected-32-cancel-confirm');
    await settle(page, (p) => find(p, '#affected-32-cancelled'), 'cancelled');
    expect(fake.calls('POST', cancelUrl)[0].data).toEqual({ message: '这周要出差，抱歉' });
  });

  test('a failed load offers 重试', async () => {
    fake.route('GET', AVAIL, { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: SAVED });
    const page = open('pages/mentor/availability');
    await settle(page, (p) => find(p, '#state >>> #state-error'), 'error');
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => p.instance.data.status === 'ready' && find(p, '#window-1-0'), 'loaded again');
  });

  test('the server\'s refusal is shown; 403 said plainly', async () => {
    fake.route('GET', AVAIL, { statusCode: 200, data: SAVED });
    fake.route('PUT', AVAIL, { statusCode: 422, data: envelope('VALIDATION_FAILED', '同一天的时段不能重叠', 'weekly') });
    const page = open('pages/mentor/availability');
    await settle(page, (p) => find(p, '#window-1-0'), 'form');
    await tap(page, '#save-btn');
    await settle(page, (p) => find(p, '#form-error'), 'refused');
    expect(text(page, '#form-error')).toBe('同一天的时段不能重叠');

    fake.route('GET', AVAIL, { statusCode: 403, data: envelope('FORBIDDEN', 'x') });
    const forbidden = open('pages/mentor/availability');
    await settle(forbidden, (p) => find(p, '#state >>> #state-empty'), 'forbidden');
    expect(text(forbidden, '#state >>> #state-empty')).toContain('不是在岗的创业导师');
  });
});

describe('lib/availability-form.js', () => {
  test('quarter hours from 00:00 to 24:00; the body from the form and back', () => {
    expect(form.START_TIMES[0]).toBe('00:00');
    expect(form.START_TIMES).toHaveLength(96);
    expect(form.END_TIMES[form.END_TIMES.length - 1]).toBe('24:00');
    const f = form.fromAvailability({ weekly: [{ weekday: 7, start: '20:00', end: '24:00' }], exceptions: [{ from: '2026-12-24', to: '2026-12-24' }] });
    expect(f.days[6].name).toBe('周日');
    expect(form.problems(f)).toBe('');
    expect(form.toAvailability(f)).toEqual({ weekly: [{ weekday: 7, start: '20:00', end: '24:00' }], exceptions: [{ from: '2026-12-24', to: '2026-12-24' }] });
    f.exceptions[0].to = '2026-12-23';
    expect(form.problems(f)).toBe('2026-12-24 到 2026-12-23：结束日期不能早于开始日期');
    f.exceptions[0].to = '2026-12-24';
    f.days[0].windows.push({ key: 'k', start: '09:10', end: '10:00' });
    expect(form.problems(f)).toBe('周一的时间要按 15 分钟选');
  });
});
