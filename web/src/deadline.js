// deadline.js — the one place the UI decides a record's deadline state.
// A record that answers its own (`warning`: 20d / 10d / overdue with
// `days_left`, the rectification task) is taken as answered; otherwise the
// state is computed from the record's deadline field (a descriptor's
// `deadline: {field, open(row)}`) with the days of meta `deadline_days`
// ([20, 10]: first and second warning, then overdue; calendar days, DOMAIN.md).
// Levels: ok (green), 20d and 10d (amber), overdue (red); null when the record
// has no deadline or is no longer open.
import { session } from './session.js'

const DAY = 86400000
// today in Asia/Shanghai as a day number
function todayNo() {
  const s = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
  return Date.parse(`${s}T00:00:00Z`) / DAY
}
const dayNo = (d) => {
  const t = Date.parse(`${String(d).slice(0, 10)}T00:00:00Z`)
  return Number.isNaN(t) ? null : t / DAY
}

export function deadlineOf(row, spec) {
  if (!row || !spec) return null
  const [first, second] = session.meta?.deadline_days || [20, 10]
  let level = null
  let left = null
  if ('warning' in row && 'days_left' in row) {
    if (row.days_left === null || row.days_left === undefined) return null // closed
    left = row.days_left
    level = row.warning || 'ok'
  } else {
    if (spec.open && !spec.open(row)) return null
    const d = row[spec.field] ? dayNo(row[spec.field]) : null
    if (d === null) return null
    left = Math.round(d - todayNo())
    level = left < 0 ? 'overdue' : left <= second ? '10d' : left <= first ? '20d' : 'ok'
  }
  const text = left < 0 ? `逾期 ${-left} 天` : left === 0 ? '今日到期' : `剩余 ${left} 天`
  const type = { ok: 'success', '20d': 'warning', '10d': 'warning', overdue: 'danger' }[level]
  return { level, left, text, type, effect: level === 'ok' || level === '20d' ? 'light' : 'dark' }
}
