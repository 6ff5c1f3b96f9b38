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

APPLET_SRC := $(sort $(wildcard applets/*.c))
COMMON_SRC := $(filter-out common/glibc_compat.c,$(sort $(wildcard common/*.c)))
LIB_SRC    := $(filter-out common/main.c,$(COMMON_SRC))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
TOOL_SRC   := $(sort $(wildcard tests/tools/*.c))

# Static build: musl, with only the kernel, libmnl and libcap headers made visible to it.
STATIC_CFLAGS  := $(CSTD) $(WARN) -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
                  -isystem build/musl-inc
STATIC_LDFLAGS := -static -Wl,--gc-sections -s
STATIC_OBJ := $(patsubst %.c,build/static/%.o,$(APPLET_SRC) $(COMMON_SRC) common/glibc_compat.c)

# Dev build: glibc, dynamic, sanitizers; the unit tests and test tools link against it.
DEV_CFLAGS  := $(CSTD) $(WARN) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined
DEV_LDFLAGS := -fsanitize=address,undefined
DEV_LIBS    := -lmnl -lcap
DEV_OBJ     := $(patsubst %.c,build/dev/%.o,$(APPLET_SRC) $(COMMON_SRC))
DEV_LIB_OBJ := $(patsubst %.c,build/dev/%.o,$(LIB_SRC))
UNIT_BIN    := $(patsubst tests/unit/%.c,build/test/%,$(UNIT_SRC))
TOOL_BIN    := $(patsubst tests/tools/%.c,build/test/%,$(TOOL_SRC))

.PHONY: all dev tests check bench clean
all: build/ncbox

build/musl-inc/.stamp:
	@mkdir -p build/musl-inc/sys
	ln -sfn /usr/include/linux build/musl-inc/linux
	ln -sfn /usr/include/asm-generic build/musl-inc/asm-generic
	ln -sfn /usr/include/$(MULTIARCH)/asm build/musl-inc/asm
	ln -sfn /usr/include/libmnl build/musl-inc/libmnl
	ln -sfn /usr/include/sys/capability.h build/musl-inc/sys/capability.h
	@touch $@

build/static/%.o: %.c build/musl-inc/.stamp
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(STATIC_CFLAGS) $(DEPFLAGS) -c -o $@ $<

build/ncbox: $(STATIC_OBJ)
	@test -f $(MNL_A) || { echo "missing $(MNL_A): run scripts/install-deps" >&2; exit 1; }
	$(MUSL_CC) $(STATIC_LDFLAGS) -o $@ $(STATIC_OBJ) $(MNL_A) $(CAP_A)

build/dev/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(DEV_CFLAGS) $(DEPFLAGS) -c -o $@ $<

build/dev/ncbox: $(DEV_OBJ)
	$(CC) $(DEV_LDFLAGS) -o $@ $(DEV_OBJ) $(DEV_LIBS)

build/test/%: tests/unit/%.c tests/unit/unit.h $(DEV_LIB_OBJ)
	@mkdir -p build/test
	$(CC) $(DEV_CFLAGS) -Icommon $(DEV_LDFLAGS) -o $@ $< $(DEV_LIB_OBJ) $(DEV_LIBS)

build/test/%: tests/tools/%.c $(DEV_LIB_OBJ)
	@mkdir -p build/test
	$(CC) $(DEV_CFLAGS) -Icommon $(DEV_LDFLAGS) -o $@ $< $(DEV_LIB_OBJ) $(DEV_LIBS)

# Static tools: the timer (small, so that a forked child's RSS before exec counts little)
# and sigwait (stage 2 inside busybox container roots).
build/test/timeit build/test/sigwait: build/test/%: tests/tools/%.c
	@mkdir -p build/test
	$(MUSL_CC) $(CSTD) $(WARN) -O2 -static -o $@ $<

dev: build/dev/ncbox
tests: $(UNIT_BIN) $(TOOL_BIN)

check: build/ncbox build/dev/ncbox tests
	tests/run

bench: build/ncbox tests
	scripts/bench

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
