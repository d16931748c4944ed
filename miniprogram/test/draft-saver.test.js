const { createDraftSaver } = require('../lib/draft-saver');

// A hand-driven clock: timers fire only when advance() passes their time.
function clock() {
  let t = 1000;
  let seq = 0;
  const timers = new Map();
  return {
    now: () => t,
    setTimeout: (fn, ms) => {
      seq += 1;
      timers.set(seq, { at: t + ms, fn });
      return seq;
    },
    clearTimeout: (id) => timers.delete(id),
    advance(ms) {
      const end = t + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, v]) => v.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) {
          break;
        }
        timers.delete(due[0]);
        t = due[1].at;
        due[1].fn();
      }
      t = end;
    },
    pending: () => timers.size,
  };
}

function setup(extra) {
  const c = clock();
  const saved = [];
  const saver = createDraftSaver(Object.assign({
    save: (d) => saved.push(d),
    now: c.now,
    setTimeout: c.setTimeout,
    clearTimeout: c.clearTimeout,
  }, extra));
  return { c, saved, saver };
}

describe('createDraftSaver', () => {
  test('the first change after a quiet spell is saved at once', () => {
    const { saved, saver } = setup();
    saver.schedule({ name: '张' });
    expect(saved).toEqual([{ name: '张' }]);
  });

  test('fast typing is saved at most once per 500 ms, and the last edit is saved', () => {
    const { c, saved, saver } = setup();
    const typed = ['张', '张三', '张三丰', '张三丰a', '张三丰'];
    typed.forEach((name, i) => {
      saver.schedule({ name });
      c.advance(i < typed.length - 1 ? 100 : 0);
    });
    expect(saved).toEqual([{ name: '张' }]);
    // 400 ms have passed since the first save: the second comes at 500 ms.
    c.advance(99);
    expect(saved).toHaveLength(1);
    c.advance(1);
    expect(saved).toEqual([{ name: '张' }, { name: '张三丰' }]);
    expect(c.pending()).toBe(0);
  });

  test('over two seconds of typing every 50 ms there are at most five saves', () => {
    const { c, saved, saver } = setup();
    const times = [];
    const saver2 = createDraftSaver({
      save: (d) => { saved.push(d); times.push(c.now()); },
      now: c.now,
      setTimeout: c.setTimeout,
      clearTimeout: c.clearTimeout,
    });
    for (let i = 0; i < 40; i += 1) {
      saver2.schedule({ n: i });
      c.advance(50);
    }
    c.advance(1000);
    expect(saved.length).toBeLessThanOrEqual(5);
    expect(saved[saved.length - 1]).toEqual({ n: 39 });
    for (let i = 1; i < times.length; i += 1) {
      expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(500);
    }
    expect(saver).toBeDefined();
  });

  test('flush saves the pending draft now (closing the page loses nothing)', () => {
    const { c, saved, saver } = setup();
    saver.schedule({ step: 1 });
    saver.schedule({ step: 2 });
    expect(saver.flush()).toBe(true);
    expect(saved).toEqual([{ step: 1 }, { step: 2 }]);
    expect(c.pending()).toBe(0);
    c.advance(2000);
    expect(saved).toHaveLength(2);
    expect(saver.flush()).toBe(false);
  });

  test('cancel drops what is pending', () => {
    const { c, saved, saver } = setup();
    saver.schedule({ a: 1 });
    saver.schedule({ a: 2 });
    saver.cancel();
    c.advance(2000);
    expect(saved).toEqual([{ a: 1 }]);
    expect(saver.flush()).toBe(false);
  });

  test('a custom delay is honoured', () => {
    const { c, saved, saver } = setup({ delay: 1000 });
    saver.schedule(1);
    saver.schedule(2);
    c.advance(999);
    expect(saved).toEqual([1]);
    c.advance(1);
    expect(saved).toEqual([1, 2]);
  });

  test('a save that throws (storage full) does not stop later saves', () => {
    const c = clock();
    const saved = [];
    let fail = true;
    const saver = createDraftSaver({
      save: (d) => { if (fail) { fail = false; throw new Error('full'); } saved.push(d); },
      now: c.now,
      setTimeout: c.setTimeout,
      clearTimeout: c.clearTimeout,
    });
    saver.schedule(1);
    saver.schedule(2);
    c.advance(500);
    expect(saved).toEqual([2]);
  });

  test('works with the real timers by default', async () => {
    const saved = [];
    const saver = createDraftSaver({ save: (d) => saved.push(d), delay: 20 });
    saver.schedule('a');
    saver.schedule('b');
    expect(saved).toEqual(['a']);
    await new Promise((r) => setTimeout(r, 60));
    expect(saved).toEqual(['a', 'b']);
  });

  test('needs a save function', () => {
    expect(() => createDraftSaver({})).toThrow(TypeError);
  });
});
