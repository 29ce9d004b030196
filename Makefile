# xunji — 巡纪贯通协同平台. The two commands: `make demo` and `make check`.
#
#   make            build build/release/xunji
#   make web        build the browser UI into web/dist (npm ci && npm run build; skipped without Node >= 20.19)
#   make demo       install missing packages, build, fresh demo database, serve on 127.0.0.1:8080 (PORT=N)
#   make seed-zaoyang  the demo plus Zaoyang's 2018–2020 records, on 127.0.0.1:8081 (PORT=N); runs
#                   beside `make demo` (own database, key and demo/NAME.accounts.{txt,json})
#   make check      install missing packages, build release + ASan/UBSan, run the test suite (< 8 min)
#   make test       unit + API tests on the release build (the inner loop, < 3 min)
#   make check-long the longer suites (API on release, full fault walk, ...)
#   make mutants    builds deliberate defects (src/util/mutant.h); the suite must catch each
#                   (.ci/run runs check, check-long and mutants)
#   make asan       build build/asan/xunji
#   make bench      province-size data + wrk against nginx/SQLite references (bench/README.md;
#                   BENCH_PROBLEMS=100000 for a smaller run); never part of make check
#   make clean

PKGS    := libmicrohttpd jansson sqlite3 libcrypto xlsxwriter minizip expat pangocairo cairo-pdf libqrencode libpq
CC      ?= gcc
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-missing-field-initializers
BASE    := -std=gnu17 -D_GNU_SOURCE -Isrc $(WARN) -MMD -MP
# -isystem: warnings in glib/pango headers are not ours
PKGCFLAGS = $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(PKGS) 2>/dev/null))
PKGLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS  = $(PKGLIBS) -lpthread

REL_FLAGS  := -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

SRC      := $(shell find src -name '*.c' | sort)
LIBSRC   := $(filter-out src/main.c,$(SRC))
TESTSRC  := $(sort $(wildcard tests/unit/*.c))
SQL      := $(wildcard src/store/sqlite/*.sql src/store/pg/*.sql src/cli/*.sql)

.PHONY: all asan deps demo seed-zaoyang check check-long test mutants clean unit web screenshots bench
all: build/release/xunji

# V=1 shows the full compiler command lines.
Q := $(if $(V),,@)
NPROC := $(shell nproc 2>/dev/null || echo 2)
define variant
build/$(1)/%.o: %.c $(SQL)
	@mkdir -p $$(dir $$@)
	$(if $(V),,@echo "  CC [$(1)] $$<")
	$(Q)$$(CC) $$(BASE) $(2) $$(PKGCFLAGS) -c $$< -o $$@
build/$(1)/xunji: $$(SRC:%.c=build/$(1)/%.o)
	$(if $(V),,@echo "  LD [$(1)] $$@")
	$(Q)$$(CC) $(2) -o $$@ $$^ $$(LDLIBS)
build/$(1)/unit: $$(LIBSRC:%.c=build/$(1)/%.o) $$(TESTSRC:%.c=build/$(1)/%.o)
	$(if $(V),,@echo "  LD [$(1)] $$@")
	$(Q)$$(CC) $(2) -o $$@ $$^ $$(LDLIBS)
endef
$(eval $(call variant,release,$(REL_FLAGS)))
$(eval $(call variant,asan,$(ASAN_FLAGS)))
# the fault-injection test build (src/store/faults.h), with the sanitizers:
# error paths are where memory bugs hide
$(eval $(call variant,faults,$(ASAN_FLAGS) -DXUNJI_FAULTS))
# the deliberate defects of `make mutants` (src/util/mutant.h)
MUTANTS := 1 2 3 4 5 6 7 8
$(foreach n,$(MUTANTS),$(eval $(call variant,mutant-$(n),$(REL_FLAGS) -DXUNJI_MUTANT=$(n))))

asan: build/asan/xunji

# issue 15's measurements: bench/run.sh installs wrk and nginx if missing, builds,
# generates (or reuses) build/bench/bench-N.db with `xunji bench-seed` and prints ratios.
bench:
	@bash bench/run.sh

deps:
	@bash scripts/deps.sh

# The browser UI (Vue 3 + Element Plus + ECharts, built by Vite). Optional: the
# server runs without it. Needs Node >= 20.19 (Vite 7) and npm.
web:
	@bash scripts/web.sh

# Each demo role's home page at 1366×768 and 390×844 into docs/screenshots/
# (tests/e2e/screenshots.mjs; Chromium as for the e2e tests).
screenshots: all
	@bash scripts/web.sh
	@node tests/e2e/screenshots.mjs

DEMO_DIR := demo
# `make demo` and `make seed-zaoyang` run side by side: each has its own
# database, key and accounts files under demo/ and its own port (PORT=N
# overrides: make demo PORT=9000).
DEMO_PORT := 8080
ZAOYANG_PORT := 8081
# $(call demo_db,NAME): builds the server and (when it can) the UI, then
# creates a fresh demo/NAME.db with its key and the demo accounts, printed
# and kept in demo/NAME.accounts.txt (the table) and demo/NAME.accounts.json.
define demo_db
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory web || echo "web: 浏览器界面构建失败, 服务器仍可运行 (仅提供 API)"
	@mkdir -p $(DEMO_DIR)
	@rm -f $(DEMO_DIR)/$(1).db $(DEMO_DIR)/$(1).db-wal $(DEMO_DIR)/$(1).db-shm \
	       $(DEMO_DIR)/$(1).db.audit-anchor $(DEMO_DIR)/$(1).key $(DEMO_DIR)/$(1).accounts.json \
	       $(DEMO_DIR)/$(1).accounts.txt
	@umask 077; build/release/xunji init --demo --db $(DEMO_DIR)/$(1).db --set key_file=$(DEMO_DIR)/$(1).key \
	       --accounts-file $(DEMO_DIR)/$(1).accounts.json >$(DEMO_DIR)/$(1).accounts.txt; \
	 rc=$$?; cat $(DEMO_DIR)/$(1).accounts.txt; exit $$rc
endef
# $(call serve_db,NAME,PORT,HOST): serves demo/NAME.db on 127.0.0.1:PORT
# (printed as http://HOST:PORT/) with the production defaults of the second
# factor (the UI has its screens: the 三员 enrol at first sign-in, exports,
# prints and reveals ask for a code); `make demo DEMO_2FA=0` serves it with
# both off and says so.
DEMO_2FA ?= 1
define serve_db
	@echo "浏览器访问 http://$(3):$(2)/  (API: http://$(3):$(2)/api/v1, Ctrl-C 停止)"
	@echo "演示账号与一次性密码: $(DEMO_DIR)/$(1).accounts.txt (JSON: $(DEMO_DIR)/$(1).accounts.json)"
	@if [ "$(DEMO_2FA)" = 0 ]; then \
	  echo "注意: 本次演示关闭了双因素认证 (require_2fa_admin=0 require_2fa_sensitive=0), 与生产默认不同。"; \
	else \
	  echo "双因素认证 (生产默认) 已开启: 三员 (sysadmin/secadmin/auditadmin) 首次登录改密码后须在「双因素认证」页绑定身份验证器"; \
	  echo "  (扫二维码, 或无手机时复制密钥并运行 python3 scripts/totp.py <密钥> 得到动态口令), 之后登录需动态口令;"; \
	  echo "  导出台账/汇总表、打印文书、查看举报人等敏感操作前也需绑定并输入动态口令。关闭: make $@ DEMO_2FA=0"; \
	fi
	@build/release/xunji serve --db $(DEMO_DIR)/$(1).db --set key_file=$(DEMO_DIR)/$(1).key \
	       --set require_2fa_admin=$(if $(filter 0,$(DEMO_2FA)),0,1) \
	       --set require_2fa_sensitive=$(if $(filter 0,$(DEMO_2FA)),0,1) --listen 127.0.0.1:$(2)
endef

demo: deps
	$(call demo_db,xunji-demo)
	$(call serve_db,xunji-demo,$(or $(PORT),$(DEMO_PORT)),127.0.0.1)

# The demo database plus Zaoyang's 2018–2020 records behind the seed's
# figures (xunji seed zaoyang), served like `make demo` on the next port.
# Its address is printed as localhost: a browser keeps cookies by host name,
# not by port, so the two demos open in one browser as 127.0.0.1 and
# localhost keep their sign-ins apart.
seed-zaoyang: deps
	$(call demo_db,xunji-zaoyang)
	@build/release/xunji seed zaoyang --db $(DEMO_DIR)/xunji-zaoyang.db --set key_file=$(DEMO_DIR)/xunji-zaoyang.key
	@build/release/xunji stats --campaign 人防领域专项治理 --db $(DEMO_DIR)/xunji-zaoyang.db \
	       --set key_file=$(DEMO_DIR)/xunji-zaoyang.key | grep -E '^(problems_rectified|people_case_filed|people_detained|people_prosecuted|people_org_handling|funds_recovered) '
	$(call serve_db,xunji-zaoyang,$(or $(PORT),$(ZAOYANG_PORT)),localhost)

check: deps
	@$(MAKE) --no-print-directory -j$(NPROC) build/release/xunji build/release/unit build/asan/xunji build/asan/unit \
	       build/faults/xunji
	@bash tests/run.sh check

test: deps
	@$(MAKE) --no-print-directory -j$(NPROC) build/release/xunji build/release/unit build/faults/xunji
	@bash tests/run.sh test

# Each mutant build must fail the API suite (scripts/mutants.sh); .ci/run runs it.
mutants: deps
	@$(MAKE) --no-print-directory -j$(NPROC) build/release/xunji $(MUTANTS:%=build/mutant-%/xunji)
	@bash scripts/mutants.sh $(MUTANTS)

check-long: deps
	@$(MAKE) --no-print-directory -j$(NPROC) build/release/xunji build/release/unit build/asan/xunji build/asan/unit \
	       build/faults/xunji
	@bash tests/run.sh long

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)

# ---- fuzzing (tests/fuzz/, docs/testing.md "Fuzzing"): libFuzzer + ASan + UBSan, Debian's clang.
#   make fuzz [SECONDS=N]  builds the targets into build/fuzz/ and runs each N seconds (default 60)
#   make fuzz-replay       every target once over its checked-in corpus (the check tier runs
#                          scripts/fuzz.sh replay)
#   make fuzz-cover        line coverage of the parsers over the corpora (build/fuzzcov/)
# scripts/fuzz.sh installs clang (scripts/deps.sh fuzz), builds these and runs them.
.PHONY: fuzz fuzz-replay fuzz-cover fuzz-build fuzz-cover-build
FUZZ_CC      := clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# -Wno-format-nonliteral: clang's -Wformat=2 also flags buf_vaddf's va_list pass-through
FUZZ_CFLAGS  := -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -Wno-format-nonliteral
# the coverage variant: the same sources, source-based coverage instead of the sanitizers
COV_CFLAGS   := -O0 -g -fprofile-instr-generate -fcoverage-mapping -fsanitize=fuzzer-no-link \
                -Wno-format-nonliteral
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
# server.c (libmicrohttpd) is replaced by tests/fuzz/fz.c's request table
FUZZ_LIBSRC  := $(filter-out src/http/server.c,$(LIBSRC)) tests/fuzz/fz.c
# fz.c: PBKDF2 at 1000 iterations; the store's writer connection caught for the cheap reset
FUZZ_LDFLAGS := -Wl,--wrap=pw_hash -Wl,--wrap=sqlite3_open_v2

define fuzz_variant
build/$(1)/%.o: %.c $(SQL)
	@mkdir -p $$(dir $$@)
	$(if $(V),,@echo "  CC [$(1)] $$<")
	$(Q)$(FUZZ_CC) $$(BASE) $(2) -Itests/fuzz $$(PKGCFLAGS) -c $$< -o $$@
build/$(1)/libxunji.a: $$(FUZZ_LIBSRC:%.c=build/$(1)/%.o)
	$(Q)rm -f $$@ && ar rcs $$@ $$^
build/$(1)/fuzz_%: build/$(1)/tests/fuzz/fuzz_%.o build/$(1)/libxunji.a
	$(if $(V),,@echo "  LD [$(1)] $$@")
	$(Q)$(FUZZ_CC) $(3) -fsanitize=fuzzer $(FUZZ_LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(eval $(call fuzz_variant,fuzz,$(FUZZ_CFLAGS),$(FUZZ_SAN)))
$(eval $(call fuzz_variant,fuzzcov,$(COV_CFLAGS),-fprofile-instr-generate -fcoverage-mapping))

.SECONDARY: $(foreach v,fuzz fuzzcov,$(FUZZ_TARGETS:%=build/$(v)/tests/fuzz/fuzz_%.o))
fuzz-build: $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
fuzz-cover-build: $(FUZZ_TARGETS:%=build/fuzzcov/fuzz_%)

SECONDS ?= 60
fuzz:
	@bash scripts/fuzz.sh run $(SECONDS)
fuzz-replay:
	@bash scripts/fuzz.sh replay
fuzz-cover:
	@bash scripts/fuzz.sh cover
