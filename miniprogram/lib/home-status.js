/**
 * The home page's status card in plain words, from what the existing
 * endpoints return. Each part may be missing (null: could not be loaded).
 */
const IN_REVIEW = ['submitted', 'township_approved'];

function registration(record) {
  if (record === undefined) {
    return { text: '暂时看不到', tone: 'grey' };
  }
  return record ? { text: '已登记', tone: 'green' } : { text: '未登记', tone: 'orange', action: '去登记' };
}

function applications(items) {
  if (!Array.isArray(items)) {
    return { text: '暂时看不到', tone: 'grey' };
  }
  const count = (statuses) => items.filter((a) => statuses.includes(a.status)).length;
  if (items.length === 0) {
    return { text: '还没有申请', tone: 'grey' };
  }
  const returned = count(['returned']);
  if (returned) {
    return { text: `要修改 ${returned} 份`, tone: 'orange' };
  }
  const reviewing = count(IN_REVIEW);
  if (reviewing) {
    return { text: `审核中 ${reviewing} 份`, tone: 'blue' };
  }
  const approved = count(['approved']);
  if (approved) {
    return { text: '已批准，等待发钱', tone: 'green' };
  }
  const drafts = count(['draft']);
  if (drafts) {
    return { text: `没填完 ${drafts} 份`, tone: 'grey' };
  }
  const disbursed = count(['disbursed']);
  if (disbursed) {
    return { text: '钱已发放', tone: 'green' };
  }
  return { text: '没有在办的', tone: 'grey' };
}

function points(summary) {
  if (!summary) {
    return { text: '暂时看不到', tone: 'grey' };
  }
  if (summary.notRegistered) {
    return { text: '登记后可攒积分', tone: 'grey' };
  }
  return { text: `${summary.balance} 分`, tone: 'blue' };
}

module.exports = { registration, applications, points };
