// router.js — the page set: sign-in, password change, the role home page, the
// inbox, the dashboard, and for every record type of records.js a list page
// /r/<type> and a record page /r/<type>/<id>. Signed-out users go to /login;
// users who must change their password can only reach /password, a 三员 who
// must enrol a second factor first (2fa_enrol_required) only /2fa.
import { createRouter, createWebHistory } from 'vue-router'
import { session, loadMe } from './session.js'
import { setAuthLostHandler } from './api.js'
import { records } from './records.js'
import LoginPage from './pages/LoginPage.vue'
import PasswordPage from './pages/PasswordPage.vue'
import HomePage from './pages/HomePage.vue'
import InboxPage from './pages/InboxPage.vue'
import ListPage from './pages/ListPage.vue'
import RecordPage from './pages/RecordPage.vue'
import DashboardPage from './pages/DashboardPage.vue'
import NotFound from './pages/NotFound.vue'
import DrillPage from './pages/DrillPage.vue'
import TwoFactorPage from './pages/TwoFactorPage.vue'
import SearchPage from './pages/SearchPage.vue'

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', component: LoginPage, meta: { public: true, bare: true } },
    { path: '/password', component: PasswordPage, meta: { passwordOk: true } },
    { path: '/2fa', component: TwoFactorPage, meta: { enrolOk: true } },
    { path: '/', component: HomePage },
    { path: '/inbox', component: InboxPage },
    { path: '/dashboard', component: DashboardPage },
    { path: '/stats/:measure', component: DrillPage },
    { path: '/search', component: SearchPage },
    { path: '/r/:type', component: ListPage, beforeEnter: (to) => (records[to.params.type] ? true : '/404') },
    { path: '/r/:type/:id', component: RecordPage, beforeEnter: (to) => (records[to.params.type] ? true : '/404') },
    { path: '/:rest(.*)*', component: NotFound },
  ],
})

router.beforeEach(async (to) => {
  if (!session.loaded) await loadMe()
  if (to.meta.public) return true
  if (!session.user) return { path: '/login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if (session.user.must_change_password && !to.meta.passwordOk) return '/password'
  if (!session.user.must_change_password && session.user.must_enrol_2fa && !to.meta.enrolOk && !to.meta.passwordOk) return '/2fa'
  return true
})

setAuthLostHandler((err) => {
  if (err.code === 'password_change_required') {
    if (session.user) session.user.must_change_password = true
    router.push('/password')
    return
  }
  if (err.code === '2fa_enrol_required') {
    if (session.user) session.user.must_enrol_2fa = true
    router.push('/2fa')
    return
  }
  session.user = null
  session.notice = err.message
  if (router.currentRoute.value.path !== '/login') router.push({ path: '/login', query: { next: router.currentRoute.value.fullPath } })
})
