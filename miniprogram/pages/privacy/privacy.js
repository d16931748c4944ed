/**
 * 隐私保护指引: what we collect, why, for how long, whom to ask. Plain
 * words; the version is the one the server records on consent.
 */
const privacy = require('../../lib/privacy');

const SECTIONS = [
  {
    key: 'what',
    title: '我们收集哪些信息',
    lines: [
      '手机号：您用微信授权绑定的手机号。',
      '身份证号：返乡登记、校友登记和申请补贴、贷款时您填写的。',
      '银行卡号：申请补贴时，用来把钱打给您。',
      '照片和文件：您拍照或选择上传的申请材料，比如营业执照、身份证照片。',
      '您填写的其他登记内容，比如户籍地、工作经历、创业打算。',
    ],
  },
  {
    key: 'why',
    title: '为什么要收集',
    lines: [
      '用来办理返乡登记、创业补贴和创业担保贷款，核对您的身份，把补贴发到您的银行卡。',
      '用来让工作人员联系您，告诉您审核结果。',
      '不会用来做广告，也不会卖给任何人。',
    ],
  },
  {
    key: 'keep',
    title: '保存多久',
    lines: [
      '登记和申请的信息，按政府档案的规定保存；办完事后不再需要的，我们会删除。',
      '手机上只留您没填完的草稿；在“我的”里点“退出登录”，手机上的草稿和个人信息会全部清除。',
    ],
  },
  {
    key: 'who',
    title: '谁能看到',
    lines: [
      '只有负责审核的乡镇和区里工作人员能看到，他们查看都有记录。',
      '身份证号和银行卡号在页面上只显示部分数字。',
    ],
  },
];

Page({
  data: {
    version: privacy.VERSION,
    sections: SECTIONS,
    contact: privacy.CONTACT,
  },
});
