/**
 * 招商项目: the published investment projects (GET /api/v1/projects, 20 a page, the latest
 * published first) and one of them (GET /api/v1/projects/{id}, 404 once unpublished).
 * A project: { id, name, industry_code (C13), chain_code, chain_name, chain_link,
 * township_code, township_name, park_name, investment_fen, land_mu_hundredths, stage,
 * partner_wanted, contact_department, description, status, status_name, published_at }.
 */
const http = require('./request');

const PAGE_SIZE = 20;

const id = (value) => encodeURIComponent(String(value));

/**
 * One page of published projects: { items, total, page, hasMore }. filters: { industry,
 * chain, township } (each optional).
 */
function getProjects(page = 1, filters = {}, options = {}) {
  const data = { page, page_size: PAGE_SIZE };
  ['industry', 'chain', 'township'].forEach((key) => {
    if (filters && filters[key]) {
      data[key] = String(filters[key]);
    }
  });
  return http.get('/api/v1/projects', data, options).then((body) => {
    const items = body && Array.isArray(body.items) ? body.items : [];
    const total = body && typeof body.total === 'number' ? body.total : items.length;
    return {
      items, total, page, hasMore: items.length > 0 && (page - 1) * PAGE_SIZE + items.length < total,
    };
  });
}

/** One published project. */
function getProject(projectId, options = {}) {
  return http.get(`/api/v1/projects/${id(projectId)}`, undefined, options);
}

module.exports = {
  PAGE_SIZE,
  getProjects,
  getProject,
};
