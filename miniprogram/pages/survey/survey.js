/**
 * 意愿调查: the current survey, prefilled with the user's earlier answers.
 * The answers in progress are kept in storage (`survey_draft`, at most one
 * write per half second, written at once when the page is hidden or closed).
 */
const surveyApi = require('../../api/survey');
const http = require('../../api/request');
const sf = require('../../lib/survey-form');
const storage = require('../../lib/storage');
const { createDraftSaver } = require('../../lib/draft-saver');
const { valueOf } = require('../../lib/form-fields');
const { charCount } = require('../../lib/validate');

const DRAFT_KEY = 'survey_draft';

const TEXT = {
  LOAD_FAILED: '没能加载出来。请检查手机是否连上网络，再点“重新加载”。',
  NOT_SENT: '没有提交成功，请稍后再点一次提交。',
  FIX_ERRORS: '还有题目没答好，请看标红的地方',
  NETWORK: '没有连上网络，回答还没有提交。您的回答已保存在手机上，等信号好些再点一次提交。',
  CLOSED: '这份调查已经结束，谢谢您的关注',
};

/** What the radio and check-box groups show: a code for single choice, codes for multi. */
function valuesOf(questions, picked) {
  const out = {};
  questions.forEach((q) => {
    if (q.type === 'single') {
      out[q.code] = (picked[q.code] || [])[0] || '';
    } else if (q.type === 'multi') {
      out[q.code] = (picked[q.code] || []).slice();
    }
  });
  return out;
}

function countsOf(texts) {
  const out = {};
  Object.keys(texts).forEach((q) => {
    out[q] = charCount(texts[q]);
  });
  return out;
}

const questionOf = (e) => {
  const target = (e && e.currentTarget) || {};
  return (target.dataset && target.dataset.question) || '';
};

Page({
  data: {
    // loading | error | none | ready | done | closed
    status: 'loading',
    errorMessage: '',
    survey: null,
    questions: [],
    answered: false,
    values: {},
    texts: {},
    counts: {},
    errors: {},
    hint: '',
    submitting: false,
    submitError: '',
  },

  onLoad() {
    this.answers = { picked: {}, texts: {} };
    this.questions = [];
    this.saver = createDraftSaver({ save: (draft) => storage.set(DRAFT_KEY, draft) });
    this.load();
  },

  // The last answer reaches storage even if the user leaves within half a second.
  onHide() {
    if (this.saver) {
      this.saver.flush();
    }
  },

  onUnload() {
    if (this.saver) {
      this.saver.flush();
    }
  },

  load() {
    this.setData({ status: 'loading', errorMessage: '' });
    return surveyApi.getCurrentSurvey().then(
      (survey) => this.start(survey),
      (err) => {
        this.setData({ status: 'error', errorMessage: (err && err.message) || TEXT.LOAD_FAILED });
      },
    );
  },

  onRetry() {
    return this.load();
  },

  start(survey) {
    if (!survey) {
      this.setData({ status: 'none' });
      return;
    }
    const questions = (survey.questions || []).map(sf.normalizeQuestion)
      .map((q) => Object.assign(q, { hint: sf.choiceHint(q) }));
    const earlier = sf.earlierAnswers(survey);
    const answered = earlier.length > 0;
    this.answers = sf.answersFromServer(questions, earlier);
    const draft = storage.get(DRAFT_KEY, null);
    const sameVersion = !!(draft && draft.survey_id === survey.id && draft.version === survey.version);
    // A new version of the same survey keeps what still fits of the answers in progress.
    const sameSurvey = !!(draft && survey.code && draft.code === survey.code);
    if (sameVersion || sameSurvey) {
      const kept = sf.sanitize(questions, draft);
      Object.assign(this.answers.picked, kept.picked);
      Object.assign(this.answers.texts, kept.texts);
    }
    this.survey = survey;
    this.questions = questions;
    this.setData({
      status: 'ready',
      survey: { id: survey.id, title: survey.title || '意愿调查', description: survey.description || '' },
      questions,
      answered,
      values: valuesOf(questions, this.answers.picked),
      texts: Object.assign({}, this.answers.texts),
      counts: countsOf(this.answers.texts),
      errors: {},
      hint: '',
      submitError: '',
    });
  },

  saveDraft() {
    this.saver.schedule({
      survey_id: this.survey.id,
      code: this.survey.code || '',
      version: this.survey.version,
      picked: Object.assign({}, this.answers.picked),
      texts: Object.assign({}, this.answers.texts),
    });
  },

  question(code) {
    return this.questions.find((q) => q.code === code);
  },

  /** t-radio-group (a code) or t-checkbox-group (codes) of a question. */
  onChoice(e) {
    const q = this.question(questionOf(e));
    if (!q) {
      return;
    }
    const value = valueOf(e);
    let next = q.type === 'single' ? [String(value || '')].filter(Boolean) : (value || []).map(String);
    let error = '';
    if (q.type === 'multi' && q.max_choices && next.length > q.max_choices) {
      // The box just ticked is unticked again, with the reason.
      next = (this.answers.picked[q.code] || []).slice();
      error = `最多选${q.max_choices}项，如要换一项，请先取消已选的`;
    }
    this.answers.picked[q.code] = next;
    this.setData({
      [`values.${q.code}`]: q.type === 'single' ? (next[0] || '') : next.slice(),
      [`errors.${q.code}`]: error,
      hint: '',
      submitError: '',
    });
    this.saveDraft();
  },

  onText(e) {
    const code = questionOf(e);
    if (!this.question(code)) {
      return;
    }
    const value = String(valueOf(e) || '');
    this.answers.texts[code] = value;
    this.setData({
      [`texts.${code}`]: value,
      [`counts.${code}`]: charCount(value),
      [`errors.${code}`]: '',
      hint: '',
      submitError: '',
    });
    this.saveDraft();
  },

  scrollTo(selector) {
    const opts = selector ? { selector, duration: 200 } : { scrollTop: 0, duration: 200 };
    setTimeout(() => {
      try {
        if (typeof wx.pageScrollTo === 'function') {
          wx.pageScrollTo(opts);
        }
      } catch (e) {
        // Scrolling is a convenience only.
      }
    }, 50);
  },

  showErrors(errors, hint) {
    this.setData({ errors, hint: hint || TEXT.FIX_ERRORS });
    const first = this.questions.find((q) => errors[q.code]);
    if (first) {
      this.scrollTo(`#q-${first.code}`);
    }
  },

  onSubmit() {
    if (this.data.submitting) {
      return Promise.resolve();
    }
    const errors = sf.validateAnswers(this.questions, this.answers);
    if (Object.keys(errors).length > 0) {
      this.showErrors(errors);
      return Promise.resolve();
    }
    const answers = sf.toAnswers(this.questions, this.answers);
    this.setData({ submitting: true, submitError: '', hint: '' });
    return surveyApi.submitAnswers(this.survey.id, answers, { silent: true }).then(
      () => {
        this.saver.cancel();
        storage.remove(DRAFT_KEY);
        this.setData({ submitting: false, status: 'done' });
        this.scrollTo(null);
      },
      (err) => {
        const e = err || {};
        this.setData({ submitting: false });
        if (http.isNetworkError(e)) {
          this.saver.flush();
          this.setData({ submitError: TEXT.NETWORK });
        } else if (e.code === 'SURVEY_CLOSED' || e.code === 'SURVEY_CONFLICT') {
          // A new version may be out: 刷新 loads it and keeps the answers that still fit.
          this.saver.flush();
          this.setData({ status: 'closed', errorMessage: e.message || TEXT.CLOSED });
        } else if (e.field && this.question(e.field)) {
          this.showErrors(Object.assign({}, this.data.errors, { [e.field]: e.message }), e.message);
        } else {
          this.setData({ submitError: e.message || TEXT.NOT_SENT });
        }
      },
    );
  },

  onBackHome() {
    wx.navigateBack({ delta: 1 });
  },
});
