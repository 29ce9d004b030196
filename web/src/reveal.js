// reveal.js — 举报人保护 (issue 18) in the browser: the states of a request to
// see a petition's reporter (the server declares no vocabulary for them, so
// these words are the UI's own), and the follow-up receipt of an anonymous
// petition: the server returns its 16 digits once, in the reply that creates
// the petition, and keeps only a slow hash. The create form hands it here
// (records.js petitions.create.after) and the petition's record page takes it
// (RevealPanel) to show it once; it is held in memory only, never stored.
let kept = null

export function keepReceipt(created) {
  kept = created && created.receipt ? { id: created.id, receipt: created.receipt } : null
}

// The receipt of petition id if it was just created here, then forgotten.
export function takeReceipt(id) {
  if (!kept || kept.id !== id) return null
  const r = kept.receipt
  kept = null
  return r
}

export const REVEAL_STATES = [
  { value: 'pending', label: '待批准' },
  { value: 'approved', label: '已批准' },
  { value: 'rejected', label: '已驳回' },
  { value: 'used', label: '已使用' },
]
export const revealStateLabel = (v) => REVEAL_STATES.find((s) => s.value === v)?.label || v

// A request still usable for a read: approved, and once-only or within its time.
export const revealUsable = (q) => q.state === 'approved' && (!q.valid_until || q.valid_until * 1000 > Date.now())
