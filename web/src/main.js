// main.js — starts the browser UI: Vue 3, Element Plus (Chinese locale), the router.
import './compat.js'
import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import 'element-plus/dist/index.css'
import './style.css'
import App from './App.vue'
import { router } from './router.js'

createApp(App).use(router).use(ElementPlus, { locale: zhCn }).mount('#app')
