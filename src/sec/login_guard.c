/*
 * login_guard.c — per-source sign-in limits. See login_guard.h.
 *
 * The table is a fixed array searched linearly under one mutex: a sign-in
 * costs one PBKDF2 computation (~140 ms), next to which a scan of LG_SLOTS
 * short strings is negligible, and memory stays bounded whatever the number
 * of sources.
 */
#include "sec/login_guard.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

typedef struct lg_entry {
  char key[LG_KEY_MAX];
  int used;
  int64_t touched; /* last attempt (LRU), ms */
  lg_state st;
} lg_entry;

static lg_entry table[LG_SLOTS];
static size_t nused;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* Addresses longer than the key (never from a socket) share the truncated
 * prefix; they are still compared in full up to LG_KEY_MAX - 1 bytes. */
static void key_of(const char *src, char out[LG_KEY_MAX]) {
  size_t n = strlen(src);
  if (n >= LG_KEY_MAX) n = LG_KEY_MAX - 1;
  memcpy(out, src, n);
  out[n] = '\0';
}

static lg_entry *find(const char *key) {
  for (size_t i = 0; i < LG_SLOTS; i++)
    if (table[i].used && strcmp(table[i].key, key) == 0) return &table[i];
  return NULL;
}

static lg_entry *find_or_add(const char *key, int64_t now) {
  lg_entry *e = find(key);
  if (e) return e;
  lg_entry *victim = NULL, *victim_blocked = NULL;
  for (size_t i = 0; i < LG_SLOTS; i++) {
    lg_entry *t = &table[i];
    if (!t->used) {
      victim = t;
      break;
    }
    if (t->st.blocked_until > now) {
      if (!victim_blocked || t->touched < victim_blocked->touched) victim_blocked = t;
    } else if (!victim || t->touched < victim->touched) {
      victim = t;
    }
  }
  if (!victim) victim = victim_blocked;
  if (!victim->used) nused++;
  memset(victim, 0, sizeof *victim);
  victim->used = 1;
  memcpy(victim->key, key, sizeof victim->key);
  return victim;
}

static void decay(lg_state *e, int64_t now, const lg_rules *ru) {
  if (e->fails <= 0 || ru->decay <= 0 || now <= e->last_fail) return;
  int64_t period = (int64_t)ru->decay * 1000;
  long k = (long)((now - e->last_fail) / period);
  if (k <= 0) return;
  if (k >= e->fails) {
    e->fails = 0;
    e->last_fail = now;
  } else {
    e->fails -= k;
    e->last_fail += (int64_t)k * period;
  }
}

static long delay_for(long fails, const lg_rules *ru) {
  long over = fails - ru->free_fails;
  if (over <= 0) return 0;
  long d = 1;
  for (long i = 1; i < over && d < ru->max_delay; i++) d *= 2;
  return d < ru->max_delay ? d : ru->max_delay;
}

static long ceil_s(int64_t ms) { return (long)((ms + 999) / 1000); }

int64_t login_guard_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long lg_state_begin(lg_state *e, int64_t now, const lg_rules *ru) {
  long wait = 0;
  /* The minute starts at the first attempt in it, not on the clock's minute:
   * a burst that straddles hh:mm:59 must not get twice the allowance. */
  if (e->count == 0 || now < e->window || now - e->window >= 60000) {
    e->window = now;
    e->count = 0;
  }
  if (++e->count > ru->per_minute) {
    wait = ceil_s(e->window + 60000 - now);
  } else if (e->blocked_until > now) {
    wait = ceil_s(e->blocked_until - now);
  } else {
    decay(e, now, ru);
    e->fails++;
    e->last_fail = now;
    long d = delay_for(e->fails, ru);
    e->blocked_until = d ? now + (int64_t)d * 1000 : 0;
  }
  return wait;
}

void lg_state_success(lg_state *e, int64_t now, const lg_rules *ru) {
  if (e->fails > 0) {
    e->fails--;
    if (!delay_for(e->fails, ru) && e->blocked_until > now) e->blocked_until = 0;
  }
}

long lg_state_failures(lg_state *e, int64_t now, const lg_rules *ru) {
  decay(e, now, ru);
  return e->fails;
}

long login_guard_begin(const char *src, int64_t now, const lg_rules *ru) {
  char key[LG_KEY_MAX];
  key_of(src, key);
  pthread_mutex_lock(&mu);
  lg_entry *e = find_or_add(key, now);
  e->touched = now;
  long wait = lg_state_begin(&e->st, now, ru);
  pthread_mutex_unlock(&mu);
  return wait;
}

void login_guard_success(const char *src, int64_t now, const lg_rules *ru) {
  char key[LG_KEY_MAX];
  key_of(src, key);
  pthread_mutex_lock(&mu);
  lg_entry *e = find(key);
  if (e) lg_state_success(&e->st, now, ru);
  pthread_mutex_unlock(&mu);
}

long login_guard_failures(const char *src, int64_t now, const lg_rules *ru) {
  char key[LG_KEY_MAX];
  key_of(src, key);
  pthread_mutex_lock(&mu);
  lg_entry *e = find(key);
  long n = e ? lg_state_failures(&e->st, now, ru) : 0;
  pthread_mutex_unlock(&mu);
  return n;
}

size_t login_guard_size(void) {
  pthread_mutex_lock(&mu);
  size_t n = nused;
  pthread_mutex_unlock(&mu);
  return n;
}

void login_guard_clear(void) {
  pthread_mutex_lock(&mu);
  memset(table, 0, sizeof table);
  nused = 0;
  pthread_mutex_unlock(&mu);
}
