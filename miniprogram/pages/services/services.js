/**
 * 办事 (tab): every service in plain words, grouped by who it is for.
 * Each row opens its page; nothing is loaded here.
 */
const SECTIONS = [
  {
    key: 'find',
    title: '政策和办事地点',
    items: [
      { key: 'library', title: '政策', note: '有哪些扶持政策，哪些适合您，要什么材料', url: '/pages/library/library' },
      { key: 'stations', title: '服务网点', note: '离您近的就业服务站、零工驿站、创业园，电话和地址', url: '/pages/stations/stations' },
    ],
  },
  {
    key: 'returnee',
    title: '返乡人员',
    items: [
      { key: 'register', title: '返乡登记', note: '填写或修改您的返乡信息', url: '/pages/register/register' },
      { key: 'record', title: '我的登记信息', note: '查看并确认登记的内容', url: '/pages/record/record' },
      { key: 'survey', title: '意愿调查', note: '告诉我们您想做什么、需要什么帮助', url: '/pages/survey/survey' },
    ],
  },
  {
    key: 'support',
    title: '创业补贴和贷款',
    items: [
      { key: 'policies', title: '创业补贴/贷款申请', note: '看看能领哪些补贴、贷多少钱', url: '/pages/policies/policies' },
      { key: 'applications', title: '我的申请', note: '申请办到哪一步了', url: '/pages/applications/applications' },
    ],
  },
  {
    key: 'mentors',
    title: '创业导师',
    items: [
      { key: 'mentors', title: '预约导师', note: '找创业导师面谈、打电话或视频，选一个时间就能约', url: '/pages/mentors/mentors' },
      { key: 'ask', title: '导师问诊', note: '把创业中遇到的问题写下来，导师在线回答', url: '/pages/consultations/ask' },
      { key: 'consultations', title: '我的问诊', note: '看导师的回答，接着问', url: '/pages/consultations/consultations' },
    ],
  },
  {
    key: 'alumni',
    title: '校友登记与活动',
    items: [
      { key: 'alumnus', title: '校友登记', note: '在咸安读过书的校友填写', url: '/pages/alumnus/alumnus' },
      { key: 'events', title: '活动报名', note: '看看最近有哪些活动，报名参加', url: '/pages/events/events' },
      { key: 'checkin', title: '活动签到', note: '扫活动现场的二维码签到', url: '/pages/checkin/checkin?scan=1' },
      { key: 'points', title: '我的积分', note: '参加活动得到的积分', url: '/pages/points/points' },
      { key: 'perks', title: '积分换优惠', note: '用积分换商家的优惠券', url: '/pages/perks/perks' },
      { key: 'vouchers', title: '我的优惠券', note: '换到的券，到店出示使用', url: '/pages/vouchers/vouchers' },
    ],
  },
  {
    key: 'honours',
    title: '评选表彰',
    items: [
      { key: 'selections', title: '评选', note: '示范企业、优秀创业者、杰出校友评选，可以自荐，看入选名单', url: '/pages/selections/selections' },
    ],
  },
  {
    key: 'investment',
    title: '楚商回乡',
    items: [
      { key: 'projects', title: '招商项目', note: '家乡正在招商的项目：行业、地点、投资额、要找什么样的合作伙伴', url: '/pages/projects/projects' },
      { key: 'matches', title: '为您推荐', note: '按您的行业和投资意向推荐项目，说明为什么推荐', url: '/pages/matches/matches' },
      { key: 'merchant', title: '楚商信息', note: '在外创业的咸安人填写或更新自己的信息', url: '/pages/merchant/merchant' },
    ],
  },
];

Page({
  data: {
    sections: SECTIONS,
  },

  onOpen(e) {
    const url = e && e.currentTarget && e.currentTarget.dataset.url;
    if (url) {
      wx.navigateTo({ url });
    }
  },
});
