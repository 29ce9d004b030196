// panels/index.js — the record pages' extra panels by name (records.js `panels`).
import RoundPanel from './RoundPanel.vue'
import TeamPanel from './TeamPanel.vue'
import TargetPanel from './TargetPanel.vue'
import PersonPanel from './PersonPanel.vue'
import ReviewItemsPanel from './ReviewItemsPanel.vue'
import RevealPanel from './RevealPanel.vue'

export const panels = { RoundPanel, TeamPanel, TargetPanel, PersonPanel, ReviewItemsPanel, RevealPanel }
