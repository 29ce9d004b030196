// api.js — the one way the UI talks to /api/v1: same-origin fetch with the
// HttpOnly session cookie, the CSRF token kept in memory only (never in
// localStorage), If-Match for edits, and errors as ApiError {status, code,
// message, field} carrying the server's Chinese message.
let csrf = ''
let onAuthLost = null

export function setCsrf(token) {
  csrf = token || ''
}
export function setAuthLostHandler(fn) {
  onAuthLost = fn
}

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {}
    super(e.message || `请求失败 (HTTP ${status})`)
    this.status = status
    this.code = e.code || ''
    this.field = e.field || ''
    this.detail = e
  }
}

function qs(params) {
  if (!params) return ''
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue
    p.set(k, String(v))
  }
  const s = p.toString()
  return s ? `?${s}` : ''
}

export async function api(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf
  if (opts.version !== undefined && opts.version !== null) headers['If-Match'] = `"${opts.version}"`
  let res
  try {
    res = await fetch(`/api/v1${path}${qs(opts.query)}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body !== undefined ? JSON.stringify(body) : undefined,
    })
  } catch {
    throw new ApiError(0, { error: { code: 'network', message: '无法连接服务器, 请检查网络' } })
  }
  const text = await res.text()
  let data = null
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    data = null
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data)
    if (onAuthLost && !opts.noAuthRedirect &&
        (res.status === 401 || err.code === 'password_change_required')) onAuthLost(err)
    throw err
  }
  return data
}

export const get = (path, query, opts = {}) => api('GET', path, undefined, { ...opts, query })
export const post = (path, body, opts) => api('POST', path, body === undefined ? {} : body, opts)
export const patch = (path, body, opts) => api('PATCH', path, body, opts)
export const del = (path, body, opts) => api('DELETE', path, body, opts)

// Uploads a file as the raw request body (?name=original file name).
export async function upload(path, file) {
  const headers = { 'Content-Type': file.type || 'application/octet-stream' }
  if (csrf) headers['X-CSRF-Token'] = csrf
  const res = await fetch(`/api/v1${path}?name=${encodeURIComponent(file.name)}`, { method: 'POST', headers, credentials: 'same-origin', body: file })
  const text = await res.text()
  let data = null
  try { data = text ? JSON.parse(text) : null } catch { data = null }
  if (!res.ok) throw new ApiError(res.status, data)
  return data
}
