# winnow — build, test, bench, demo. See README.md.
# Sources are found by glob: a new module is a .c/.h pair in its folder, nothing to add here.

CC      ?= cc
PREFIX  ?= /usr/local
PKGS    := libzstd libxxhash yaml-0.1 icu-uc icu-i18n zlib openblas libcurl
# -march=native only when the compiler accepts it for this machine (MARCH= to override).
MARCH   ?= $(shell $(CC) -march=native -E -x c /dev/null >/dev/null 2>&1 && echo -march=native)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(MARCH) -fopenmp $(PKG_CFLAGS) $(CFLAGS)
LDLIBS  := $(PKG_LIBS) -fopenmp -lm -lpthread

LIB_SRC := $(sort $(wildcard pipeline/*.c filters/*.c tokenizer/*.c trainer/*.c))
CMD_SRC := $(sort $(wildcard cmd/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))

B       ?= build/rel
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(B)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(B)/%.o)

.PHONY: all deps test unit asan conformance bench demo install clean fuzz deps-slurm test-slurm deps-bench

all: winnow

winnow: $(B)/winnow
	@cp $(B)/winnow winnow

$(B)/winnow: $(CMD_OBJ) $(B)/libwinnow.a
	$(CC) -o $@ $(CMD_OBJ) $(B)/libwinnow.a $(LDLIBS) $(EXTRA_LDFLAGS)

$(B)/libwinnow.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(B)/unit_tests: $(UNIT_OBJ) $(B)/libwinnow.a
	$(CC) -o $@ $(UNIT_OBJ) $(B)/libwinnow.a $(LDLIBS) $(EXTRA_LDFLAGS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(EXTRA_CFLAGS) -MMD -MP -c -o $@ $<

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)

# make deps: check with pkg-config, install what is missing with apt-get (root or sudo).
DEB_PKGS := libzstd-dev libxxhash-dev libyaml-dev libicu-dev zlib1g-dev libopenblas-dev \
            libcurl4-openssl-dev pkg-config zstd gzip xxhash time python3-numpy wordnet-base \
            libjansson-dev nodejs npm clang libclang-rt-14-dev libomp-dev
deps:
	@sh tools/deps.sh $(DEB_PKGS)

test: winnow $(B)/unit_tests
	@WINNOW=$(CURDIR)/$(B)/winnow UNIT=$(CURDIR)/$(B)/unit_tests sh tests/run.sh

unit: $(B)/unit_tests
	@$(B)/unit_tests

asan:
	@$(MAKE) --no-print-directory B=build/asan CC=clang CFLAGS="-O1 -g -Wno-pass-failed -Wno-unknown-pragmas -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" EXTRA_LDFLAGS="-fsanitize=address,undefined" build/asan/winnow build/asan/unit_tests
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 WINNOW_ASAN=1 \
	  WINNOW=$(CURDIR)/build/asan/winnow UNIT=$(CURDIR)/build/asan/unit_tests sh tests/run.sh

conformance: winnow
	@sh tests/conformance.sh $(CURDIR)/winnow

bench: winnow
	@sh bench/run.sh $(BENCH)

# make fuzz [FUZZ_SECONDS=N]: every libFuzzer target (fuzz/*.c) for N seconds each.
FUZZ_SECONDS ?= 60
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh fuzz/run.sh

# make deps-bench: the peers `make bench` compares against (PyTorch, sentencepiece; npm ones
# are fetched by the bench scripts).
deps-bench:
	@sh tools/deps.sh python3-torch sentencepiece hyperfine

# make test-slurm: a real one-node Slurm on this machine (installs slurm-wlm and munge).
deps-slurm:
	@sh tools/deps.sh slurmctld slurmd munge slurm-client
test-slurm: winnow deps-slurm
	@sh tests/slurm/run.sh $(CURDIR)/winnow

demo: winnow
	@sh examples/demo.sh

install: winnow
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 winnow $(DESTDIR)$(PREFIX)/bin/winnow

clean:
	rm -rf build winnow
