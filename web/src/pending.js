// pending.js — counts of the work waiting for the signed-in user: for each home
// section its descriptor marks `pending`, the total of that filtered list as the
// server answers it (GET <list>?<query>&per_page=1 → total), never counted in
// the browser from a page of rows. The home page shows them on its sections,
// the side menu as badges (the sum of a record type's pending sections).
import { reactive } from 'vue'
import { get } from './api.js'
import { session } from './session.js'
import { homeSections } from './records.js'

export const pending = reactive({ counts: {}, byType: {} })

let seq = 0
export async function refreshPending() {
  const user = session.user
  if (!user || user.must_change_password || user.must_enrol_2fa) return
  const mine = ++seq
  const secs = homeSections(user).filter((s) => s.pending)
  const got = await Promise.all(
    secs.map((s) =>
      get(s.d.api, { ...s.query, per_page: 1 })
        .then((r) => [s, Number(r.total) || 0])
        .catch(() => [s, 0]),
    ),
  )
  if (mine !== seq) return
  const counts = {}
  const byType = {}
  for (const [s, n] of got) {
    counts[s.key] = n
    byType[s.type] = (byType[s.type] || 0) + n
  }
  pending.counts = counts
  pending.byType = byType
}

export function forgetPending() {
  seq++
  pending.counts = {}
  pending.byType = {}
}
