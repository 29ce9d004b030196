// meta.js — the server's declarations (GET /api/v1/meta), loaded once after
// sign-in: per record kind its fields (type, Chinese label, vocabulary, bounds,
// required, create/edit), list filters, states, transitions with their bodies
// and per-role actions; the outcome table; the measures with their drill-down
// headers. Forms, tables, filters, state and history labels are built from
// here; nothing in web/ re-types a label, vocabulary or state the server holds.
import { get } from './api.js'
import { session } from './session.js'
import { fmtBool, fmtFen, fmtYuan } from './format.js'

let loading = null

export async function loadMeta() {
  if (session.meta) return session.meta
  if (!loading) {
    loading = get('/meta')
      .then((m) => {
        session.meta = m
        return m
      })
      .finally(() => {
        loading = null
      })
  }
  return loading
}

export const kindMeta = (kind) => session.meta?.kinds?.[kind] || null

// The declaration of a field of kind: a create/edit field, else a list filter,
// else a field of a lifecycle verb's body (verb given: that verb's first).
export function fieldMeta(kind, name, verb) {
  const k = kindMeta(kind)
  if (!k) return null
  const bodies = [...k.transitions, ...k.acts]
  if (verb) {
    const t = bodies.find((x) => x.verb === verb && x.fields.some((f) => f.name === name))
    if (t) return t.fields.find((f) => f.name === name)
  }
  return (
    k.fields.find((f) => f.name === name) ||
    k.filters.find((f) => f.name === name) ||
    bodies.flatMap((t) => t.fields).find((f) => f.name === name) ||
    null
  )
}

export const fieldLabel = (kind, name) => fieldMeta(kind, name)?.label || null

// The label of a field or column of kind: its declaration, else a drill-down
// column of a measure counting kind (kind null: of any measure).
export function labelOf(kind, name) {
  const f = kind ? fieldMeta(kind, name) : null
  if (f) return f.label
  for (const m of session.meta?.measures || []) {
    if (kind && m.kind !== kind) continue
    const c = m.columns.find((x) => x.name === name)
    if (c?.label) return c.label
  }
  return null
}

// [{value, label}] of an enumerated field or filter of kind.
export const vocab = (kind, name) => fieldMeta(kind, name)?.values || []
// A vocabulary as a lazily read option list (descriptors are built before meta loads).
export const vocabOf = (kind, name) => () => vocab(kind, name)

// The states of a kind (or of a workflow by its entity name) as options.
export function stateOptions(kind) {
  const states = kindMeta(kind)?.states || session.meta?.workflows?.[kind]?.states || []
  return states.map((s) => ({ value: s.state, label: s.label }))
}
export const stateLabel = (kind, state) => stateOptions(kind).find((s) => s.value === state)?.label || state

// A measure by key: label, unit, the record kind it counts and its drill-down columns.
export const measureMeta = (key) => (session.meta?.measures || []).find((m) => m.key === key) || null

// An outcome code (or a joint review's handling, no_action included) as the server's table has it.
export const outcomeOf = (code) => (session.meta?.handling || []).find((x) => x.code === code) || null

// May the signed-in user do action? Without a record: the user's actions
// (GET /me, the policy at function level). With a record: what the server
// answered on that row — its `can` object, its `allowed_actions` (verbs) or a
// joint-review item's `allowed_parts`.
export function can(action, record) {
  if (!record) return (session.user?.actions || []).includes(action)
  if (record.can && action in record.can) return !!record.can[action]
  if (Array.isArray(record.allowed_actions)) {
    const verb = action.includes('.') ? action.split('.').pop() : action
    if (record.allowed_actions.some((a) => a.verb === verb)) return true
  }
  if (Array.isArray(record.allowed_parts)) return record.allowed_parts.includes(action)
  return false
}

// The form field of a declared field: its input type, label, bounds, required
// and vocabulary are read from meta when the form shows it; extra holds what
// is the UI's own (a ref's kind and query, rows, hideWhen, a placeholder, a
// wording of the label for this form).
const UI_TYPE = { text: 'text', memo: 'textarea', int: 'number', bool: 'bool', date: 'date', enum: 'select', id: 'ref', money: 'text' }
export function declared(kind, name, extra = {}) {
  const m = () => fieldMeta(kind, name, extra.verb) || {}
  const f = {
    key: name,
    get label() { return m().label || name },
    get type() { return m().type === 'id' && !extra.kind ? 'text' : UI_TYPE[m().type] || 'text' },
    get max() { return m().max_len ?? m().max },
    get min() { return m().min },
    get required() { return !extra.partial && !!m().required }, // an edit (PATCH) sends what changed
    get options() { return m().values || [] },
    get placeholder() { return m().type === 'money' ? '如 386000.00 (元, 最多两位小数)' : undefined },
  }
  return Object.defineProperties(f, Object.getOwnPropertyDescriptors(extra))
}
// The declared fields of kind (create: the create body; edit: the edit body).
export function declaredFields(kind, which, extras = {}) {
  return (kindMeta(kind)?.fields || []).filter((f) => f[which]).map((f) => declared(kind, f.name, extras[f.name] || {}))
}
// The body of a lifecycle verb of kind, as declared.
export function verbFields(kind, verb) {
  const t = (kindMeta(kind)?.transitions || []).find((x) => x.verb === verb) || (kindMeta(kind)?.acts || []).find((x) => x.verb === verb)
  return t ? t.fields.map((f) => declared(kind, f.name, { verb })) : null
}

// ---- words: whatever the server records, shown in the user's words ----------

// The label of a name wherever the server declares it: a field of kind, a
// drill-down column, else the labels of fields no kind declares (meta.labels).
export const anyLabel = (kind, name) => labelOf(kind, name) || labelOf(null, name) || session.meta?.labels?.[name] || null

// A recorded action ("clue.verify", "file.upload", "rect_task.create") in words:
// the server's action labels, else the transition of the kind's workflow, else
// the label of its verb for any kind (".create").
export function actionLabel(a) {
  const names = session.meta?.action_labels || {}
  if (!a) return ''
  if (names[a]) return names[a]
  const i = a.lastIndexOf('.')
  const kind = a.slice(0, i)
  const verb = a.slice(i + 1)
  const t = session.meta?.workflows?.[kind]?.transitions.find((x) => x.verb === verb)
  if (t) return t.label
  if (names[`.${verb}`]) return names[`.${verb}`]
  for (const w of Object.values(session.meta?.workflows || {})) {
    const x = w.transitions.find((y) => y.verb === verb)
    if (x) return x.label
  }
  return '处理'
}

const CODE = /^[a-z]+(_[a-z0-9]+)*$/
// A code in any vocabulary the server declares (the label of a code recorded
// outside its own field, e.g. the org kinds a report was copied to).
function codeLabel(code) {
  for (const k of Object.values(session.meta?.kinds || {}))
    for (const f of [...k.fields, ...k.filters]) {
      const v = (f.values || []).find((x) => x.value === code)
      if (v) return v.label
    }
  const r = (session.meta?.roles || []).find((x) => x.role === code)
  return r ? r.label : null
}

// A value of field name of kind as the user reads it: 是/否 for flags, 元 for
// amounts (money in 元, *_fen in 分), vocabulary and state labels for codes, a
// list of codes as their labels.
export function wordValue(kind, name, v, type) {
  if (v === null || v === undefined || v === '') return ''
  const f = kind ? fieldMeta(kind, name) : null
  const t = type || f?.type
  if (typeof v === 'boolean' || t === 'bool' || t === 'flag') return fmtBool(typeof v === 'string' ? v !== '0' && v !== 'false' : !!Number(v) || v === true)
  if (t === 'fen' || /_fen$/.test(name)) return fmtFen(v)
  if (t === 'money') return fmtYuan(v)
  if (Array.isArray(v)) return v.map((x) => wordValue(kind, name, x)).join('、')
  if (typeof v === 'string' && v.startsWith('[')) {
    try {
      const a = JSON.parse(v)
      if (Array.isArray(a)) return wordValue(kind, name, a)
    } catch { /* not a list */ }
  }
  if (typeof v !== 'string') return String(v)
  if (t === 'text' || t === 'memo' || t === 'date') return v
  if (f?.values?.length) return f.values.find((x) => x.value === v)?.label || v
  if (name === 'state' || name === 'from' || name === 'to') {
    const l = stateOptions(kind).find((x) => x.value === v)?.label
    if (l) return l
  }
  return CODE.test(v) ? codeLabel(v) || v : v
}
