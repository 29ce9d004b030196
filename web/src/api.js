// api.js — the one way the UI talks to /api/v1: same-origin fetch with the
// HttpOnly session cookie, the CSRF token kept in memory only (never in
// localStorage), If-Match for edits, and errors as ApiError {status, code,
// message, field} carrying the server's Chinese message. It is also the one
// place of the step-up (issue 18): a request answered 403 `2fa_required` asks
// for a code (the StepUpDialog's handler: POST /me/2fa/verify) and is sent again
// once; downloads of /api/v1 links go through it too (installDownloads).
let csrf = ''
let onAuthLost = null
let onStepUp = null

export function setCsrf(token) {
  csrf = token || ''
}
export function setAuthLostHandler(fn) {
  onAuthLost = fn
}

// fn(err) → Promise<boolean>: true once the session is stepped up (a fresh
// second factor), false when the user gave up.
export function setStepUpHandler(fn) {
  onStepUp = fn
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

// A refusal for want of a fresh second factor: ask for a code, then the caller
// sends the request again (once).
async function steppedUp(err, opts) {
  if (!(err instanceof ApiError) || err.status !== 403 || err.code !== '2fa_required') return false
  if (opts.noStepUp || !onStepUp) return false
  return (await onStepUp(err)) === true
}

export async function api(method, path, body, opts = {}) {
  try {
    return await send(method, path, body, opts)
  } catch (err) {
    if (!(await steppedUp(err, opts))) throw err
    return send(method, path, body, opts)
  }
}

async function send(method, path, body, opts) {
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
        (res.status === 401 || err.code === 'password_change_required' || err.code === '2fa_enrol_required')) onAuthLost(err)
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

// The file name of a Content-Disposition (filename*=UTF-8'' first).
function dispositionName(cd) {
  if (!cd) return ''
  const star = cd.match(/filename\*=UTF-8''([^;]+)/i)
  if (star) {
    try { return decodeURIComponent(star[1].trim()) } catch { /* the plain name below */ }
  }
  const plain = cd.match(/filename="([^"]*)"/i)
  return plain ? plain[1] : ''
}

async function fetchFile(url) {
  let res
  try {
    res = await fetch(url, { credentials: 'same-origin' })
  } catch {
    throw new ApiError(0, { error: { code: 'network', message: '无法连接服务器, 请检查网络' } })
  }
  if (!res.ok) {
    let data = null
    try { data = JSON.parse(await res.text()) } catch { data = null }
    throw new ApiError(res.status, data)
  }
  return { blob: await res.blob(), name: dispositionName(res.headers.get('Content-Disposition')) }
}

// Downloads a same-origin /api/v1 file (an export, a print, evidence) through
// the step-up: fetched, then saved under the server's file name.
export async function download(url, fallbackName = '') {
  let f
  try {
    f = await fetchFile(url)
  } catch (err) {
    if (!(await steppedUp(err, {}))) throw err
    f = await fetchFile(url)
  }
  const href = URL.createObjectURL(f.blob)
  const a = document.createElement('a')
  a.href = href
  a.download = f.name || fallbackName || 'download'
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(href), 60000)
}

// Every <a download href="/api/v1/..."> of the UI is followed by download():
// a refusal shows its message (onError) instead of saving the JSON error, and
// a 2fa_required one asks for the code first.
export function installDownloads(onError) {
  document.addEventListener('click', (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return
    const a = ev.target instanceof Element ? ev.target.closest('a[download][href]') : null
    if (!a) return
    const u = new URL(a.getAttribute('href'), window.location.href)
    if (u.origin !== window.location.origin || !u.pathname.startsWith('/api/v1/')) return
    ev.preventDefault()
    download(u.pathname + u.search, a.getAttribute('download') || '').catch(onError)
  })
}
