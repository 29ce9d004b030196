// printing.js — exports and prints of records (issue 17). An export is the
// server's: GET /api/v1/exports/records/{kind} (a list, with the filters and
// sort it is shown with) or /exports/stats/{measure} (a drill-down) answers an
// .xlsx with a title row, 序号, a frozen header and a watermark, audited there.
// A print first tells the server what is printed (POST /api/v1/prints, ids and
// filter names only, audited) and takes the watermark's name and time from its
// answer; then the browser prints (the print stylesheet in style.css).
import { nextTick, reactive } from 'vue'
import { post, download } from './api.js'
import { kindMeta } from './meta.js'

export const printMark = reactive({ by: '', at: '' })

// Whether a list of this kind can be exported (a kind of the record engine).
export const exportable = (kind) => !!kind && kindMeta(kind)?.engine === 'record'
// The lists outside the record engine the server exports by their page's name
// (src/domain/reports/listexport.c xlists: each through its own list handler).
const OTHER_LISTS = ['vettings', 'institutions', 'documents', 'users', 'audit']
// The name a list page (records.js type, its kind) is exported under, or null.
export const exportName = (type, kind) => (exportable(kind) ? kind : OTHER_LISTS.includes(type) ? type : null)

function qs(query) {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(query || {})) if (v !== '' && v !== undefined && v !== null && k !== 'page' && k !== 'per_page') p.set(k, v)
  const s = p.toString()
  return s ? `?${s}` : ''
}

export const exportList = (kind, query) => download(`/api/v1/exports/records/${encodeURIComponent(kind)}${qs(query)}`, '导出.xlsx')
export const exportDrill = (measure, query) => download(`/api/v1/exports/stats/${encodeURIComponent(measure)}${qs(query)}`, '统计明细.xlsx')

// what: {kind, id} for a record page, {kind, filters: [names]} for a list
export async function printPage(what) {
  const body = { kind: what.kind }
  if (what.id) body.id = what.id
  const names = (what.filters || []).filter((k) => /^[a-z0-9_]{1,40}$/.test(k) && k !== 'page' && k !== 'per_page')
  if (names.length) body.filters = names.join(',')
  const r = await post('/prints', body)
  printMark.by = `${r.printed_by} ${r.login}`
  printMark.at = r.printed_at
  await nextTick()
  window.print()
}
