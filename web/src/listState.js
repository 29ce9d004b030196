// listState.js — where each list was left (its filters, sort, page and page
// size: the query string DataTable keeps in the URL), so that a record page's
// breadcrumb and 返回列表 bring the user back to the same place.
const last = {}

export function rememberList(path, query) {
  last[path] = { ...query }
}
export function listRoute(type) {
  const path = `/r/${type}`
  return { path, query: last[path] || {} }
}
