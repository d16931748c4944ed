/**
 * The privacy policy the user agrees to. The server checks the same
 * version string: change both together when the policy text changes.
 */
const VERSION = '2026-12-01';

// Shown on pages/privacy and in the popup.
const CONTACT = {
  org: '咸安区返乡创业服务中心',
  // Placeholder: replace with the centre's real number before release.
  phone: '0715-0000000（待公布）',
};

module.exports = {
  VERSION,
  CONTACT,
  POLICY_URL: '/pages/privacy/privacy',
};
