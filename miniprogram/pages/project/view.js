/**
 * Investment projects (招商项目) in plain words, for the list, the detail and 为您推荐:
 * amounts in 万元 from fen, land in 亩 from hundredths of a mu, the industry by name.
 */
const { formatFen } = require('../../lib/money');
const { industryName } = require('./industries');

const FEN_PER_WAN = 1000000;

const groupThousands = (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** 3000万元 of fen → "3,000 万元"; 12,345,600 fen → "12.35 万元"; under 1 万元 in 元; '' when unknown. */
function amountText(fen) {
  if (typeof fen !== 'number' || !Number.isSafeInteger(fen) || fen <= 0) {
    return '';
  }
  if (fen < FEN_PER_WAN) {
    return formatFen(fen);
  }
  // Hundredths of a 万元 (100 元), rounded half up.
  const h = Math.floor((fen + 5000) / 10000);
  const whole = groupThousands(String(Math.floor(h / 100)));
  const frac = String(h % 100).padStart(2, '0').replace(/0+$/, '');
  return `${frac ? `${whole}.${frac}` : whole} 万元`;
}

/** 1250 → "12.5 亩"; 0 or unknown → ''. */
function landText(hundredths) {
  if (typeof hundredths !== 'number' || !Number.isSafeInteger(hundredths) || hundredths <= 0) {
    return '';
  }
  const whole = groupThousands(String(Math.floor(hundredths / 100)));
  const frac = String(hundredths % 100).padStart(2, '0').replace(/0+$/, '');
  return `${frac ? `${whole}.${frac}` : whole} 亩`;
}

/** Where the project is: the park and/or the township. */
function placeText(p) {
  const township = p.township_name || p.township || '';
  const park = p.park_name || '';
  if (park && township && park.indexOf(township) < 0) {
    return `${township} · ${park}`;
  }
  return park || township;
}

function industryText(p) {
  return p.industry_name || industryName(p.industry_code) || (typeof p.industry === 'string' ? (industryName(p.industry) || p.industry) : '');
}

function chainText(p) {
  const chain = p.chain_name || '';
  const link = p.chain_link || '';
  if (chain && link) {
    return `${chain}产业链 · ${link}`;
  }
  return chain ? `${chain}产业链` : link;
}

/** A project as a card: { id, name, industry, place, amount, chain, status, department }. */
function projectCard(p) {
  const project = p || {};
  return {
    id: project.id,
    name: project.name || '',
    industry: industryText(project),
    place: placeText(project),
    amount: amountText(project.investment_fen),
    chain: chainText(project),
    status: project.status_name || '',
    department: project.contact_department || '',
  };
}

/** The detail rows { key, label, value } shown on the project page, empty ones left out. */
function projectRows(p) {
  const project = p || {};
  const rows = [
    { key: 'industry', label: '所属行业', value: industryText(project) },
    { key: 'chain', label: '产业链环节', value: chainText(project) },
    { key: 'place', label: '项目地点', value: placeText(project) },
    { key: 'amount', label: '计划投资', value: amountText(project.investment_fen) },
    { key: 'land', label: '用地', value: landText(project.land_mu_hundredths) },
    { key: 'status', label: '项目阶段', value: project.status_name || '' },
    { key: 'stage', label: '前期工作', value: project.stage || '' },
    { key: 'partner', label: '寻求合作', value: project.partner_wanted || '' },
    { key: 'department', label: '联系单位', value: project.contact_department || '' },
  ];
  return rows.filter((r) => r.value);
}

module.exports = {
  amountText,
  landText,
  placeText,
  industryText,
  chainText,
  projectCard,
  projectRows,
};
