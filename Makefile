# ncbox: `make` builds build/ncbox (static, musl); `make check` runs every test.
# See README.md "Building" for how the static link works on Debian 12.

MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
DEPS      ?= /usr/local/lib/ncbox-deps
MNL_A     ?= $(DEPS)/usr/lib/$(MULTIARCH)/libmnl.a
CAP_A     ?= /usr/lib/$(MULTIARCH)/libcap.a
MUSL_CC   ?= musl-gcc
CC        ?= cc
CLANG     ?= clang

WARN      := -Wall -Wextra -Werror
CSTD      := -std=c11 -D_GNU_SOURCE
DEPFLAGS   = -MMD -MP

NC_SRC     := $(sort $(wildcard applets/nixos_container/*.c))
APPLET_SRC := $(sort $(wildcard applets/*.c)) $(NC_SRC)

# The config and state dirs: the units get them at install, the binary as its defaults
# (common/conf.c); build/dirs changes when they do, and conf.c is built again.
CONFDIR  ?= /etc/nixos-containers
STATEDIR ?= /var/lib/nixos-containers
DIRS     := $(CONFDIR) $(STATEDIR)
COMMON_SRC := $(filter-out common/glibc_compat.c,$(sort $(wildcard common/*.c)))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
TOOL_SRC   := $(sort $(wildcard tests/tools/*.c))

# Static build: musl, with only the kernel, libmnl and libcap headers made visible to it
# (build/musl-inc). A musl toolchain that has them already (Nix's pkgsStatic) sets MUSL_INC=.
MUSL_INC       ?= build/musl-inc/.stamp
STATIC_CFLAGS  := $(CSTD) $(WARN) -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
                  $(if $(MUSL_INC),-isystem build/musl-inc)
# noseparate-code: no page of padding between the headers, code and data (about 4 KiB).
STATIC_LDFLAGS := -static -Wl,--gc-sections -Wl,-z,noseparate-code -s
STATIC_OBJ := $(patsubst %.c,build/static/%.o,$(APPLET_SRC) $(COMMON_SRC) common/glibc_compat.c)

# Dev build: glibc, dynamic, sanitizers; the unit tests and test tools link against it.
DEV_CFLAGS  := $(CSTD) $(WARN) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined
DEV_LDFLAGS := -fsanitize=address,undefined
DEV_LIBS    := -lmnl -lcap
DEV_OBJ     := $(patsubst %.c,build/dev/%.o,$(APPLET_SRC) $(COMMON_SRC))
DEV_LIB_OBJ := $(patsubst %.c,build/dev/%.o,$(COMMON_SRC))
UNIT_BIN    := $(patsubst tests/unit/%.c,build/test/%,$(UNIT_SRC))
TOOL_BIN    := $(patsubst tests/tools/%.c,build/test/%,$(TOOL_SRC))

# Install: the binary, its applet symlinks, the units, the bash completion.
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
UNITDIR  ?= $(PREFIX)/lib/systemd/system
COMPDIR  ?= $(PREFIX)/share/bash-completion/completions

.PHONY: all dev tests check bench clean install FORCE
all: build/ncbox

build/dirs: FORCE
	@mkdir -p build
	@[ "$$(cat $@ 2>/dev/null)" = '$(DIRS)' ] || echo '$(DIRS)' >$@
CONF_OBJ := build/static/common/conf.o build/dev/common/conf.o build/fuzz/obj/common/conf.o
$(CONF_OBJ): build/dirs
$(CONF_OBJ): OBJ_DEFS = -DNCBOX_CONFDIR='"$(CONFDIR)"' -DNCBOX_STATEDIR='"$(STATEDIR)"'

build/musl-inc/.stamp:
	@mkdir -p build/musl-inc/sys
	ln -sfn /usr/include/linux build/musl-inc/linux
	ln -sfn /usr/include/asm-generic build/musl-inc/asm-generic
	ln -sfn /usr/include/$(MULTIARCH)/asm build/musl-inc/asm
	ln -sfn /usr/include/libmnl build/musl-inc/libmnl
	ln -sfn /usr/include/sys/capability.h build/musl-inc/sys/capability.h
	@touch $@

build/static/%.o: %.c $(MUSL_INC)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(STATIC_CFLAGS) $(OBJ_DEFS) $(DEPFLAGS) -c -o $@ $<

build/ncbox: $(STATIC_OBJ)
	@test -f $(MNL_A) || { echo "missing $(MNL_A): run scripts/install-deps" >&2; exit 1; }
	$(MUSL_CC) $(STATIC_LDFLAGS) -o $@ $(STATIC_OBJ) $(MNL_A) $(CAP_A)

build/dev/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(DEV_CFLAGS) $(OBJ_DEFS) $(DEPFLAGS) -c -o $@ $<

build/dev/ncbox: $(DEV_OBJ)
	$(CC) $(DEV_LDFLAGS) -o $@ $(DEV_OBJ) $(DEV_LIBS)

build/test/%: tests/unit/%.c tests/unit/unit.h $(DEV_LIB_OBJ)
	@mkdir -p build/test
	$(CC) $(DEV_CFLAGS) -Icommon $(DEV_LDFLAGS) -o $@ $< $(DEV_LIB_OBJ) $(DEV_LIBS)

build/test/%: tests/tools/%.c $(DEV_LIB_OBJ)
	@mkdir -p build/test
	$(CC) $(DEV_CFLAGS) -Icommon $(DEV_LDFLAGS) -o $@ $< $(DEV_LIB_OBJ) $(DEV_LIBS)

# Static tools: the timer (small, so that a forked child's RSS before exec counts little)
# and sigwait, fhandle and ready (run inside busybox container roots).
build/test/timeit build/test/sigwait build/test/fhandle build/test/ready: build/test/%: tests/tools/%.c
	@mkdir -p build/test
	$(MUSL_CC) $(CSTD) $(WARN) -O2 -static -o $@ $<

# --- fuzzing and sanitizers ---------------------------------------------------
# libFuzzer targets tests/fuzz/fuzz_*.c, linked with clang against the common modules built
# with coverage and ASan+UBSan into build/fuzz/. `make fuzz` runs each for FUZZ_SECONDS on
# a scratch copy of its seed corpus (tests/fuzz/run); tests/fuzz.test runs a short smoke.
# build/valgrind/ncbox: the static build's objects and archives linked against musl's
# shared libc, unstripped, so that valgrind can see the heap (tests/valgrind.test).
FUZZ_SECONDS ?= 60
FUZZ_SRC    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN    := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_CFLAGS := $(CSTD) $(WARN) -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all \
               -fsanitize=fuzzer-no-link,address,undefined
FUZZ_OBJ    := $(patsubst %.c,build/fuzz/obj/%.o,$(COMMON_SRC) $(NC_SRC))

.PHONY: fuzz fuzz-build
.SECONDARY: $(FUZZ_OBJ)
build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) $(OBJ_DEFS) $(DEPFLAGS) -c -o $@ $<

build/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_OBJ)
	$(CLANG) $(FUZZ_CFLAGS) $(DEPFLAGS) -Icommon -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(DEV_LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	tests/fuzz/run $(FUZZ_SECONDS)

build/valgrind/ncbox: $(STATIC_OBJ)
	@mkdir -p build/valgrind
	$(MUSL_CC) -Wl,--gc-sections -o $@ $(STATIC_OBJ) $(MNL_A) $(CAP_A)
# --- end of fuzzing and sanitizers --------------------------------------------------------

dev: build/dev/ncbox
tests: $(UNIT_BIN) $(TOOL_BIN)

check: build/ncbox build/dev/ncbox tests build/valgrind/ncbox
	tests/run

bench: build/ncbox tests
	scripts/bench

# NCBOX_SKIP_BUILD=1: install what is built without asking make to rebuild it (tests).
install: $(if $(NCBOX_SKIP_BUILD),,build/ncbox)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(COMPDIR)
	install -m 0755 build/ncbox $(DESTDIR)$(BINDIR)/ncbox
	for a in $$(build/ncbox --list); do ln -sfn ncbox $(DESTDIR)$(BINDIR)/$$a; done
	for u in scripts/systemd/*.in; do \
		sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@CONFDIR@|$(CONFDIR)|g' -e 's|@STATEDIR@|$(STATEDIR)|g' \
			"$$u" >"$(DESTDIR)$(UNITDIR)/$$(basename "$$u" .in)" && \
		chmod 0644 "$(DESTDIR)$(UNITDIR)/$$(basename "$$u" .in)" || exit 1; \
	done
	if [ -f scripts/nixos-container.bash ]; then \
		install -m 0644 scripts/nixos-container.bash $(DESTDIR)$(COMPDIR)/nixos-container; fi

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
