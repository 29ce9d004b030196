// format.js — display helpers: times in Asia/Shanghai, booleans, option labels.
const tf = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
})

export function fmtTime(v) {
  if (!v) return ''
  const d = new Date(v)
  return Number.isNaN(d.getTime()) ? v : tf.format(d).replace(/\//g, '-')
}

export function fmtBool(v) {
  if (v === null || v === undefined) return ''
  return v ? '是' : '否'
}

// Amounts: the server keeps 分 (integers, *_fen) or sends 元 as a decimal
// string ("386000.00"); shown in 元 with thousands separators, or in 万元.
const yuanFmt = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
export function fmtYuan(v) {
  if (v === null || v === undefined || v === '') return ''
  const n = Number(v)
  return Number.isFinite(n) ? `${yuanFmt.format(n)} 元` : String(v)
}
export function fmtFen(v) {
  if (v === null || v === undefined || v === '') return ''
  const n = Number(v)
  return Number.isFinite(n) ? fmtYuan(n / 100) : String(v)
}
export function fmtWan(yuan) {
  const n = Number(yuan)
  if (!Number.isFinite(n)) return ''
  return `${new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 2 }).format(n / 10000)} 万元`
}

// options: [{value, label}] or a function answering them (a vocabulary read from meta when shown)
export function optLabel(options) {
  return (v) => {
    if (v === null || v === undefined || v === '') return ''
    const o = (typeof options === 'function' ? options() : options).find((x) => x.value === v)
    return o ? o.label : v
  }
}

export function opts(obj) {
  return Object.entries(obj).map(([value, label]) => ({ value, label }))
}
