// session.js — who is signed in (from GET /api/v1/me), their roles, the
// server's declarations (session.meta, loaded by meta.js from GET /api/v1/meta)
// and the unread inbox count. Memory only: the session itself lives in the
// HttpOnly cookie.
import { reactive } from 'vue'
import { get, post, setCsrf } from './api.js'

export const session = reactive({
  user: null,
  loaded: false,
  meta: null,
  unread: 0,
  notice: '',
})

export function roleNames() {
  return (session.user?.roles || []).map((r) => r.role)
}
export function hasRole(...names) {
  const mine = roleNames()
  return names.some((n) => mine.includes(n))
}

export async function loadMe() {
  try {
    const me = await get('/me', undefined, { noAuthRedirect: true })
    setCsrf(me.csrf_token)
    session.user = me
  } catch {
    session.user = null
  }
  session.loaded = true
  return session.user
}

// second: {otp} or {recovery_code} when the server asked for the second factor.
export async function login(loginName, password, second = {}) {
  const r = await post('/auth/login', { login: loginName, password, ...second }, { noAuthRedirect: true })
  setCsrf(r.csrf_token)
  session.user = { ...r.user, must_change_password: r.must_change_password, two_factor: r.two_factor, must_enrol_2fa: r.must_enrol_2fa }
  session.loaded = true
  session.meta = null
  return session.user
}

export async function logout() {
  try {
    await post('/auth/logout', {}, { noAuthRedirect: true })
  } catch {
    /* the session may already be gone */
  }
  setCsrf('')
  session.user = null
  session.meta = null
  session.unread = 0
}

export function roleLabel(role) {
  const r = session.meta?.roles?.find((x) => x.role === role)
  return r ? r.label : (session.user?.roles || []).find((x) => x.role === role)?.label || role
}

export async function refreshUnread() {
  if (!session.user || session.user.must_change_password || session.user.must_enrol_2fa) return
  try {
    const r = await get('/messages', { unread: 1, per_page: 1 })
    session.unread = r.unread
  } catch {
    /* shown elsewhere */
  }
}
