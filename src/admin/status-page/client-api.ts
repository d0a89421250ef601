/**
 * Browser code of the status page, part 1 of 5 (page.ts joins them in one inline script):
 * calls to the JSON API with the bearer token, when there is one.
 * Written as plain JavaScript text because the page has no build step and loads nothing else.
 */
export const CLIENT_API = String.raw`
const TOKEN_KEY = 'sluice.adminToken';
let token = null;
try { token = sessionStorage.getItem(TOKEN_KEY); } catch (e) { token = null; }

function setToken(value) {
  token = value || null;
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch (e) {
    // Storage disabled: the token lives in memory until the tab closes.
  }
}

// A token in the fragment (#token=...) never reaches the server or a Referer header; keep it
// for this tab only and take it out of the address bar so it is not bookmarked or shared.
function takeTokenFromFragment() {
  const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (!m) return;
  setToken(decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + location.search);
}

class AuthError extends Error {
  constructor(status) {
    super(status === 401 ? 'token needed' : 'token refused');
    this.status = status;
  }
}

async function api(path) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = 'Bearer ' + token;
  const res = await fetch(path, { headers: headers, cache: 'no-store' });
  if (res.status === 401 || res.status === 403) throw new AuthError(res.status);
  if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
  return res.json();
}
`;
