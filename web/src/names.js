// names.js — turns ids in records into names (组织, 巡察组, 轮次, 人员, 巡察对象)
// with one cached request per kind where the list is small, else per id.
import { reactive } from 'vue'
import { get } from './api.js'
import { can } from './meta.js'

const cache = reactive({})
const started = new Set()
const listed = {}

// action: the list's action in GET /me; a user without it is not asked to look
// names up there (the server would refuse): the record's own *_name is shown
const kinds = {
  org: { path: '/orgs', action: 'org.list', name: (r) => r.name },
  team: { path: '/teams', action: 'team.list', name: (r) => r.name },
  round: { path: '/rounds', action: 'round.list', name: (r) => r.name },
  person: { path: '/persons', action: 'person.list', name: (r) => r.name },
  target: { path: '/targets', action: 'target.list', name: (r) => r.unit_name || (r.unit_id ? nameOf('org', r.unit_id) : r.id) },
  problem: { path: '/problems', action: 'problem.read', name: (r) => `${r.seq_no || ''} ${r.title}` },
  task: { path: '/rect-tasks', action: 'rect.read', name: (r) => r.title || r.measure },
  clue: { path: '/clues', action: 'clue.read', name: (r) => r.title },
}

// whether this user may list records of a kind (its pickers and name look-ups)
export function canList(kind) {
  const a = kinds[kind]?.action
  return !a || can(a)
}

async function loadList(kind) {
  if (!listed[kind]) {
    listed[kind] = get(kinds[kind].path, { per_page: 200 })
      .then((r) => {
        for (const it of r.items) cache[`${kind}:${it.id}`] = kinds[kind].name(it)
      })
      .catch(() => {})
  }
  return listed[kind]
}

async function loadOne(kind, id) {
  await loadList(kind)
  const k = `${kind}:${id}`
  if (k in cache) return
  try {
    const r = await get(`${kinds[kind].path}/${id}`)
    cache[k] = kinds[kind].name(r)
  } catch {
    cache[k] = `${id.slice(0, 8)}…`
  }
}

export function nameOf(kind, id) {
  if (!id) return ''
  const k = `${kind}:${id}`
  if (k in cache) return cache[k]
  if (!canList(kind)) return ''
  if (!started.has(k)) {
    started.add(k)
    loadOne(kind, id)
  }
  return '…'
}

export function forgetNames() {
  for (const k of Object.keys(cache)) delete cache[k]
  started.clear()
  for (const k of Object.keys(listed)) delete listed[k]
}
