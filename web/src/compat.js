// compat.js — the few runtime methods newer than Chromium 90 that the bundle's
// libraries call (Element Plus uses Array.prototype.at, Chromium 92+). The
// syntax itself is lowered by Vite (build.target chrome90, vite.config.js).
for (const C of [Array, String]) {
  if (!C.prototype.at)
    Object.defineProperty(C.prototype, 'at', {
      value(i) {
        const n = Math.trunc(i) || 0
        const k = n < 0 ? this.length + n : n
        return k < 0 || k >= this.length ? undefined : this[k]
      },
      writable: true,
      configurable: true,
    })
}
