/**
 * The returnee intention survey (意愿调查).
 */
const http = require('./request');

/**
 * The survey open now, or null when there is none (404).
 * {id, version, title, description, questions: [...], my_answers: [...]}
 */
function getCurrentSurvey(options = {}) {
  return http.get('/api/v1/surveys/current', undefined, Object.assign({}, options, { silent: true })).then(
    (survey) => survey,
    (err) => {
      if (err.status === 404) {
        return null;
      }
      throw err;
    },
  );
}

/** answers: [{question, options: [...]} | {question, text}] */
function submitAnswers(surveyId, answers, options = {}) {
  return http.post(`/api/v1/surveys/${encodeURIComponent(surveyId)}/answers`, { answers }, options);
}

module.exports = {
  getCurrentSurvey,
  submitAnswers,
};
