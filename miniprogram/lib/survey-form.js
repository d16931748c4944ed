/**
 * The survey form: answers kept as { picked: {q: [codes]}, texts: {q: text} },
 * validation and the POST body.
 */
const { charCount, isBlank } = require('./validate');

function normalizeQuestion(q) {
  const type = q.type === 'multi' || q.type === 'text' ? q.type : 'single';
  return {
    code: String(q.code),
    type,
    title: q.title || '',
    required: !!q.required,
    max_choices: type === 'multi' && Number(q.max_choices) > 0 ? Number(q.max_choices) : 0,
    max_length: type === 'text' ? Number(q.max_length) || 500 : 0,
    options: Array.isArray(q.options) ? q.options.map((o) => ({ code: String(o.code), label: o.label || '' })) : [],
  };
}

/** The user's earlier answers (my_answers) as form answers. */
function answersFromServer(questions, myAnswers) {
  const picked = {};
  const texts = {};
  const byCode = {};
  (myAnswers || []).forEach((a) => {
    if (a && a.question) {
      byCode[a.question] = a;
    }
  });
  questions.forEach((q) => {
    const a = byCode[q.code];
    if (!a) {
      return;
    }
    if (q.type === 'text') {
      texts[q.code] = a.text || '';
    } else {
      const known = q.options.map((o) => o.code);
      picked[q.code] = (a.options || []).map(String).filter((c) => known.indexOf(c) >= 0);
    }
  });
  return { picked, texts };
}

/** The user's earlier answers, as `my_answers` or inside `my_response`. */
function earlierAnswers(survey) {
  if (Array.isArray(survey.my_answers)) {
    return survey.my_answers;
  }
  const r = survey.my_response;
  return r && Array.isArray(r.answers) ? r.answers : [];
}

/**
 * Keeps only answers that still fit the questions (a draft from an earlier
 * version of the same survey): known questions of the same kind, known options.
 */
function sanitize(questions, answers) {
  const list = [];
  Object.keys((answers && answers.picked) || {}).forEach((code) => {
    list.push({ question: code, options: answers.picked[code] });
  });
  Object.keys((answers && answers.texts) || {}).forEach((code) => {
    list.push({ question: code, text: answers.texts[code] });
  });
  const fit = list.filter((a) => {
    const q = questions.find((x) => x.code === a.question);
    return q && (q.type === 'text') === (a.text !== undefined);
  });
  return answersFromServer(questions, fit);
}

function choiceHint(q) {
  if (q.type === 'multi') {
    return q.max_choices ? `可多选，最多选${q.max_choices}项` : '可多选';
  }
  return q.type === 'single' ? '选一项' : '';
}

/** { questionCode: message } for the whole form. */
function validateAnswers(questions, answers) {
  const errors = {};
  questions.forEach((q) => {
    if (q.type === 'text') {
      const text = answers.texts[q.code] || '';
      if (q.required && isBlank(text)) {
        errors[q.code] = '这道题必须回答，请填写';
      } else if (charCount(text) > q.max_length) {
        errors[q.code] = `最多${q.max_length}个字，已超出${charCount(text) - q.max_length}个字`;
      }
      return;
    }
    const codes = answers.picked[q.code] || [];
    if (q.required && codes.length === 0) {
      errors[q.code] = q.type === 'multi' ? '这道题必须回答，请至少选一项' : '这道题必须回答，请选一项';
    } else if (q.max_choices && codes.length > q.max_choices) {
      errors[q.code] = `最多选${q.max_choices}项`;
    }
  });
  return errors;
}

/** The POST body's `answers`: only answered questions, options in the order shown. */
function toAnswers(questions, answers) {
  const out = [];
  questions.forEach((q) => {
    if (q.type === 'text') {
      const text = String(answers.texts[q.code] || '').trim();
      if (text) {
        out.push({ question: q.code, text });
      }
      return;
    }
    const codes = answers.picked[q.code] || [];
    const ordered = q.options.map((o) => o.code).filter((c) => codes.indexOf(c) >= 0);
    if (ordered.length) {
      out.push({ question: q.code, options: ordered });
    }
  });
  return out;
}

module.exports = {
  normalizeQuestion,
  answersFromServer,
  earlierAnswers,
  sanitize,
  choiceHint,
  validateAnswers,
  toAnswers,
};
