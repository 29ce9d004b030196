// listState.js — where each list was left (its filters, sort, page, page
// size and the page's cursor: the query string DataTable keeps in the URL),
// so that a record page's breadcrumb and 返回列表 bring the user back to the
// same place; and the cursors of the pages seen (keyset paging, docs/api.md
// "Lists"), so that going back page by page works there too.
const last = {}
const cursors = new Map()

// The cursors of one list view (path + filters + sort + page size): index =
// page number, value = the `next` that leads to it (page 1: none); total =
// the count the first page gave.
export function cursorsOf(key) {
  if (!cursors.has(key)) {
    if (cursors.size > 50) cursors.delete(cursors.keys().next().value)
    cursors.set(key, { pages: [], total: null, approx: false })
  }
  return cursors.get(key)
}

export function rememberList(path, query) {
  last[path] = { ...query }
}
export function listRoute(type) {
  const path = `/r/${type}`
  return { path, query: last[path] || {} }
}
