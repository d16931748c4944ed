/**
 * Turns a returnee record (GET /api/v1/me/returnee) into readable Chinese
 * sections for the 我的档案 page.
 */
const { STATUS_OPTIONS, INTENTION_OPTIONS } = require('./returnee-form');
const { formatDate } = require('./datetime');
const { maskPhone } = require('./phone');

const EMPTY = '未填写';
const GENDERS = { M: '男', F: '女' };

function labelFrom(list, code) {
  if (code === null || code === undefined || code === '') {
    return '';
  }
  const hit = (list || []).find((item) => item.code === code);
  // An option staff have since removed still shows as its code rather than vanish.
  return hit ? hit.label : String(code);
}

function labelsFrom(list, codes) {
  return (codes || []).map((code) => labelFrom(list, code)).filter(Boolean).join('、');
}

const row = (label, value) => ({ label, value: value === null || value === undefined || value === '' ? EMPTY : String(value) });

/** [{ title, rows: [{label, value}] }] */
function recordSections(record, options) {
  const r = record || {};
  const o = options || {};
  const sections = [
    {
      title: '基本信息',
      rows: [
        row('姓名', r.name),
        row('身份证号', r.id_card),
        row('手机号', maskPhone(r.phone) || '未绑定'),
        row('性别', GENDERS[r.gender] || ''),
        row('出生日期', formatDate(r.birth_date)),
      ],
    },
    {
      title: '户籍所在地',
      rows: [
        row('乡镇（街道）', r.township_name),
        row('村（社区）', r.village_name),
      ],
    },
  ];

  const work = [
    row('现在的情况', labelFrom(STATUS_OPTIONS, r.status)),
    row('第一次外出务工', formatDate(r.left_on)),
  ];
  if (r.status === 'returned') {
    work.push(row('返乡时间', formatDate(r.returned_on)));
  }
  if (r.status === 'planning') {
    work.push(row('打算返乡时间', formatDate(r.plan_return_on)));
  }
  work.push(
    row('务工地', [r.work_province, r.work_city].filter(Boolean).join(' ')),
    row('行业', r.industry),
    row('在外务工年数', r.years_away === null || r.years_away === undefined ? '' : `${r.years_away}年`),
    row('文化程度', labelFrom(o.education, r.education)),
    row('技能', labelsFrom(o.skill, r.skills)),
    row('其他技能说明', r.skills_text),
    row('证书', r.certificates),
  );
  sections.push({ title: '务工与技能', rows: work });

  sections.push({
    title: '创业意向与需求',
    rows: [
      row('创业打算', labelFrom(INTENTION_OPTIONS, r.intention)),
      row('想做哪方面', labelsFrom(o.intended_field, r.intended_fields)),
      row('想法补充说明', r.intention_note),
      row('需要的帮助', labelsFrom(o.need, r.needs)),
    ],
  });

  const b = r.business;
  if (r.intention === 'started' && b) {
    sections.push({
      title: '您开的店或公司',
      rows: [
        row('名称', b.name),
        row('类型', labelFrom(o.business_type, b.type)),
        row('统一社会信用代码', b.uscc),
        row('开业时间', formatDate(b.started_on)),
        row('带动就业', b.jobs_created === null || b.jobs_created === undefined ? '' : `${b.jobs_created}人`),
      ],
    });
  }
  return sections;
}

module.exports = { recordSections, labelFrom, labelsFrom, EMPTY };
