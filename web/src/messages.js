// messages.js — the inbox as the inbox page and the home page show it: where a
// message opens (its record, records.js messageLink), its body in words with
// the state names of the record's OWN workflow (GET /meta, keyed by the
// message's object_kind, never a generic map: a request's "submitted" is
// 已提请, a report's is 已报送), and marking it read when it is opened.
import { post } from './api.js'
import { session, refreshUnread } from './session.js'
import { messageLink } from './records.js'
import { anyLabel, wordValue } from './meta.js'

export { messageLink }

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function stateLabelOf(kind, state) {
  const wf = session.meta?.workflows?.[kind]
  return wf?.states.find((x) => x.state === state)?.label || state
}

// {"from":"draft","to":"submitted","note":"…"} of an assistance request → "草稿 → 已提请; …"
export function messageBody(m) {
  const o = m && m.body
  if (!o || typeof o !== 'object') return typeof o === 'string' ? o : ''
  if (m.action === 'remind') return '' // a deadline reminder says it all in its title (the server's words)
  const parts = []
  if (o.from && o.to) parts.push(`${stateLabelOf(m.object_kind, o.from)} → ${stateLabelOf(m.object_kind, o.to)}`)
  for (const [k, x] of Object.entries(o)) {
    if (k === 'from' || k === 'to' || x === null || typeof x === 'object' || x === '') continue
    if (typeof x === 'string' && ID.test(x)) continue // ids mean nothing to a reader
    if (typeof x === 'boolean') continue
    const l = anyLabel(m.object_kind, k)
    const v = wordValue(m.object_kind, k, x)
    parts.push(l ? `${l}: ${v}` : v)
  }
  return parts.join('; ')
}

export async function markRead(m) {
  if (m.read) return
  await post(`/messages/${m.id}/read`, {})
  m.read = true
  await refreshUnread()
}
