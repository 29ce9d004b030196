// meta.js — the server's declarations (GET /api/v1/meta), loaded once after
// sign-in: per record kind its fields (type, Chinese label, vocabulary, bounds,
// required, create/edit), list filters, states, transitions with their bodies
// and per-role actions; the outcome table; the measures with their drill-down
// headers. Forms, tables, filters, state and history labels are built from
// here; nothing in web/ re-types a label, vocabulary or state the server holds.
import { get } from './api.js'
import { session } from './session.js'

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
