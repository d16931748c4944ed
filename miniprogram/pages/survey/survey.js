/**
 * 意愿调查: the current survey, prefilled with the user's earlier answers.
 * Answers are kept in storage (`survey_draft`) on every change.
 */
const surveyApi = require('../../api/survey');
const http = require('../../api/request');
const sf = require('../../lib/survey-form');
const { charCount } = require('../../lib/validate');

const DRAFT_KEY = 'survey_draft';

const TEXT = {
  LOAD_FAILED: '加载失败，请检查网络后重试',
  FIX_ERRORS: '还有题目没答好，请看标红的地方',
  NETWORK: '网络不给力，没有提交成功。您的回答已保存在手机上，请稍后再点“提交”',
  CLOSED: '这份调查已经结束，谢谢您的关注',
};

function readDraft() {
  try {
    return wx.getStorageSync(DRAFT_KEY) || null;
  } catch (e) {
    return null;
  }
}

function selectedMap(picked) {
  const out = {};
  Object.keys(picked).forEach((q) => {
    out[q] = {};
    picked[q].forEach((c) => {
      out[q][c] = true;
    });
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

Page({
  data: {
    // loading | error | none | ready | done | closed
    status: 'loading',
    errorMessage: '',
    survey: null,
    questions: [],
    answered: false,
    selected: {},
    texts: {},
    counts: {},
    errors: {},
    hint: '',
    submitting: false,
    submitError: '',
  },

  onLoad() {
    this.answers = { picked: {}, texts: {} };
    this.load();
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
    const draft = readDraft();
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
      selected: selectedMap(this.answers.picked),
      texts: Object.assign({}, this.answers.texts),
      counts: countsOf(this.answers.texts),
      errors: {},
      hint: '',
      submitError: '',
    });
  },

  saveDraft() {
    try {
      wx.setStorageSync(DRAFT_KEY, {
        survey_id: this.survey.id,
        code: this.survey.code || '',
        version: this.survey.version,
        picked: this.answers.picked,
        texts: this.answers.texts,
      });
    } catch (e) {
      // Storage full: the answers are still on screen.
    }
  },

  question(code) {
    return this.questions.find((q) => q.code === code);
  },

  onPick(e) {
    const { question, option } = e.currentTarget.dataset;
    const q = this.question(question);
    if (!q) {
      return;
    }
    const current = this.answers.picked[q.code] || [];
    let next;
    let error = '';
    if (q.type === 'single') {
      next = [option];
    } else if (current.indexOf(option) >= 0) {
      next = current.filter((c) => c !== option);
    } else if (q.max_choices && current.length >= q.max_choices) {
      next = current;
      error = `最多选${q.max_choices}项，如要换一项，请先取消已选的`;
    } else {
      next = current.concat(option);
    }
    this.answers.picked[q.code] = next;
    this.setData({
      selected: selectedMap(this.answers.picked),
      errors: Object.assign({}, this.data.errors, { [q.code]: error }),
      hint: '',
      submitError: '',
    });
    this.saveDraft();
  },

  onText(e) {
    const { question } = e.currentTarget.dataset;
    const value = e.detail.value;
    this.answers.texts[question] = value;
    this.setData({
      texts: Object.assign({}, this.data.texts, { [question]: value }),
      counts: Object.assign({}, this.data.counts, { [question]: charCount(value) }),
      errors: Object.assign({}, this.data.errors, { [question]: '' }),
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
        try {
          wx.removeStorageSync(DRAFT_KEY);
        } catch (e) {
          // ignore
        }
        this.setData({ submitting: false, status: 'done' });
        this.scrollTo(null);
      },
      (err) => {
        this.setData({ submitting: false });
        if (http.isNetworkError(err)) {
          this.setData({ submitError: TEXT.NETWORK });
        } else if (err.code === 'SURVEY_CLOSED' || err.code === 'SURVEY_CONFLICT') {
          // A new version may be out: 刷新 loads it and keeps the answers that still fit.
          this.setData({ status: 'closed', errorMessage: err.message || TEXT.CLOSED });
        } else if (err.field && this.question(err.field)) {
          this.showErrors(Object.assign({}, this.data.errors, { [err.field]: err.message }), err.message);
        } else {
          this.setData({ submitError: err.message });
        }
      },
    );
  },

  onBackHome() {
    wx.navigateBack({ delta: 1 });
  },
});
