// deadline.js — shows a record's deadline state; the server decides it.
// Every record kind with a deadline answers `deadline_due`, `days_left`
// (null once the record is no longer open) and `warning` (null: fine; 20d:
// first warning; 10d: second warning; overdue), computed by the one rule in
// src/domain/deadlines.c (calendar and working days, the warning days of
// the settings). Nothing here re-computes it. Levels: ok (green), 20d and
// 10d (amber), overdue (red); null when the record has no open deadline.

// what a clue's deadline is for (the server's deadline_of)
const OF = { register: '登记', report: '反馈结果' }

export function deadlineOf(row, spec) {
  if (!row || !spec) return null
  const left = row.days_left
  if (left === null || left === undefined || !('warning' in row)) return null
  const level = row.warning || 'ok'
  const of = OF[row.deadline_of] ? `${OF[row.deadline_of]} ` : ''
  const text = of + (left < 0 ? `逾期 ${-left} 天` : left === 0 ? '今日到期' : `剩余 ${left} 天`)
  const type = { ok: 'success', '20d': 'warning', '10d': 'warning', overdue: 'danger' }[level] || 'info'
  return { level, left, text, type, due: row.deadline_due || '', effect: level === 'ok' || level === '20d' ? 'light' : 'dark' }
}
