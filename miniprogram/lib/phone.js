/**
 * Returns a phone number safe to display: the server already masks it
 * ("138****5678"); a full 11-digit mainland number is masked here as a
 * safeguard. Empty/null gives ''.
 */
function maskPhone(phone) {
  if (phone === null || phone === undefined) {
    return '';
  }
  const text = String(phone).trim();
  const m = /^(?:\+?86)?(1\d{2})\d{4}(\d{4})$/.exec(text);
  if (m) {
    return `${m[1]}****${m[2]}`;
  }
  return text;
}

module.exports = { maskPhone };
