// session.js — who is signed in (from GET /api/v1/me), their roles, the
// workflow metadata (GET /api/v1/meta) and the unread inbox count. Memory
// only: the session itself lives in the HttpOnly cookie.
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

export async function login(loginName, password) {
  const r = await post('/auth/login', { login: loginName, password }, { noAuthRedirect: true })
  setCsrf(r.csrf_token)
  session.user = { ...r.user, must_change_password: r.must_change_password }
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

export async function loadMeta() {
  if (!session.meta) {
    // the outcome table (GET /outcomes) travels with the metadata: forms pick
    // codes from it and show the four-forms form the server will derive
    const [m, o] = await Promise.all([get('/meta'), get('/outcomes').catch(() => ({ items: [], handling: [] }))])
    session.meta = { ...m, outcomes: o.items || [], handling: o.handling || [] }
  }
  return session.meta
}

// An outcome code (or a joint review's handling, no_action included) as the server's table has it.
export function outcomeOf(code) {
  return (session.meta?.handling || []).find((x) => x.code === code) || null
}

export function stateOptions(workflow) {
  const wf = session.meta?.workflows?.[workflow]
  return (wf?.states || []).map((s) => ({ value: s.state, label: s.label }))
}

export function roleLabel(role) {
  const r = session.meta?.roles?.find((x) => x.role === role)
  return r ? r.label : (session.user?.roles || []).find((x) => x.role === role)?.label || role
}

export async function refreshUnread() {
  if (!session.user || session.user.must_change_password) return
  try {
    const r = await get('/messages', { unread: 1, per_page: 1 })
    session.unread = r.unread
  } catch {
    /* shown elsewhere */
  }
}
