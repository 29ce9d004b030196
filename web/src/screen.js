// screen.js — whether the window is narrow (phones, ≤ 768 px): the side menu
// becomes a drawer opened from the top bar, forms put labels above fields.
import { reactive } from 'vue'

const mq = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia('(max-width: 768px)') : null
export const screen = reactive({ narrow: mq ? mq.matches : false })
if (mq) mq.addEventListener('change', (e) => { screen.narrow = e.matches })
