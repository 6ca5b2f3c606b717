# Portico build. `make` builds build/portico and every plugin; `make run`
# starts the demo portal; `make test` runs every check; `make deps`
# installs what is missing (tools/deps.sh). See README.md.

CC       ?= cc
BUILD    ?= build
SAN      ?=
PYTHON   ?= /usr/bin/python3
PREFIX   ?= /usr/local

PKGS     := libevent lmdb lua5.4 msgpack jansson libcurl libargon2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

OPT      := -O2
ifeq ($(SAN),1)
OPT      := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

CFLAGS   ?=
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -g $(OPT) -fPIC \
            -Icore/include -Icore $(PKG_CFLAGS)
LDLIBS   := $(PKG_LIBS) -lz -lmbedtls -lmbedx509 -lmbedcrypto -lhttp_parser -lpthread -ldl -lm

CORE_SRC := $(shell find core -name '*.c' ! -path 'core/main.c' | sort)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
CORE_HDR := $(shell find core -name '*.h')

PLUGINS      := $(notdir $(patsubst %/,%,$(dir $(wildcard plugins/*/*.c))))
PLUGINS      := $(sort $(PLUGINS))
PLUGIN_SO    := $(PLUGINS:%=$(BUILD)/plugins/%.so)
TEST_PLUGINS := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard tests/plugins/*/*.c)))))
TEST_PLUGIN_SO := $(TEST_PLUGINS:%=$(BUILD)/test-plugins/%.so)

UNIT_SRC  := $(shell find tests/unit -name 'test_*.c' 2>/dev/null | sort)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps run test test-unit test-http test-browser test-asan test-fuzz bench clean \
        install-pc check-deps lint

all: $(BUILD)/portico $(PLUGIN_SO) $(BUILD)/portico-plugin.pc \
     $(BUILD)/pkgconfig/portico-plugin-uninstalled.pc

deps:
	@bash tools/deps.sh

# ---- core -----------------------------------------------------------------
$(BUILD)/obj/%.o: %.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libportico.a: $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/portico: $(BUILD)/obj/core/main.o $(BUILD)/libportico.a
	$(CC) $(CFLAGS) -rdynamic -o $@ $(BUILD)/obj/core/main.o -Wl,--whole-archive \
	    $(BUILD)/libportico.a -Wl,--no-whole-archive $(LDLIBS)

# ---- plugins --------------------------------------------------------------
# A plugin links only against what it uses beyond the core; pt_* symbols
# come from the portico binary (-rdynamic). plugins/NAME/libs.mk may set
# NAME_LIBS.
-include $(wildcard plugins/*/libs.mk)
.SECONDEXPANSION:
$(BUILD)/plugins/%.so: $$(wildcard plugins/%/*.c) $$(wildcard plugins/%/*.h) $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -o $@ $(filter %.c,$^) $($*_LIBS)

$(BUILD)/test-plugins/%.so: $$(wildcard tests/plugins/%/*.c) $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -o $@ $(filter %.c,$^)

$(BUILD)/portico-plugin.pc: tools/portico-plugin.pc.in
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|0.1.0|g' $< > $@

# For building plugins against this source tree without installing:
# PKG_CONFIG_PATH=build/pkgconfig pkg-config --cflags portico-plugin-uninstalled
$(BUILD)/pkgconfig/portico-plugin-uninstalled.pc: tools/portico-plugin.pc.in
	@mkdir -p $(dir $@)
	sed -e 's|^includedir=.*|includedir=$(CURDIR)/core/include|' -e 's|@PREFIX@|$(CURDIR)|g' \
	    -e 's|@VERSION@|0.1.0|g' $< > $@

# Installs the plugin headers and the pkg-config file so a third party can
# build a plugin out of tree: `cc $(pkg-config --cflags portico-plugin) ...`
install-pc: $(BUILD)/portico-plugin.pc
	install -d $(DESTDIR)$(PREFIX)/include/portico $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 core/include/portico/*.h $(DESTDIR)$(PREFIX)/include/portico/
	install -m 644 $(BUILD)/portico-plugin.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/

# ---- run ------------------------------------------------------------------
run: deps all
	$(BUILD)/portico serve --config config/portico.lua --demo

# ---- tests ----------------------------------------------------------------
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libportico.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -rdynamic -o $@ $< -Wl,--whole-archive $(BUILD)/libportico.a \
	    -Wl,--no-whole-archive $(LDLIBS) -lcmocka

# Knowledge plugin unit tests (tests/unit/knowledge/, already in UNIT_BIN):
# the plugin's sources are compiled into the test binary (no .so loading;
# knowledge.c, the descriptor, left out) with its libraries from
# plugins/knowledge/libs.mk (cmark-gfm, libstemmer). The more specific
# pattern wins over $(BUILD)/tests/% above.
KB_TEST_SRC := $(filter-out plugins/knowledge/knowledge.c,$(wildcard plugins/knowledge/*.c))
$(BUILD)/tests/knowledge/%: tests/unit/knowledge/%.c $(KB_TEST_SRC) plugins/knowledge/knowledge.h \
                            $(wildcard tests/unit/knowledge/*.h) tests/unit/store/store_test.h \
                            $(BUILD)/libportico.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -Iplugins/knowledge -rdynamic -o $@ $< $(KB_TEST_SRC) \
	    -Wl,--whole-archive $(BUILD)/libportico.a -Wl,--no-whole-archive $(knowledge_LIBS) \
	    $(LDLIBS) -lcmocka

test-unit: $(UNIT_BIN) $(TEST_PLUGIN_SO) $(PLUGIN_SO)
	@PT_BUILD=$(BUILD) bash tools/run-unit.sh $(UNIT_BIN)

test-http: all $(TEST_PLUGIN_SO)
	PORTICO_BUILD=$(BUILD) $(PYTHON) -m pytest -q -p no:cacheprovider tests/http

test-browser: all
	PORTICO_BUILD=$(BUILD) node --test --test-concurrency=1 $(wildcard tests/browser/test_*.mjs)

test-asan:
	$(MAKE) BUILD=build-asan SAN=1 all test-unit test-http

test-fuzz:
	@bash tools/fuzz.sh

test: deps
	$(MAKE) all
	$(MAKE) test-unit
	$(MAKE) test-http
	$(MAKE) test-browser
	$(MAKE) test-asan
	$(MAKE) test-fuzz

bench: deps all
	BUILD=$(BUILD) bash bench/run.sh
	BUILD=$(BUILD) bash bench/knowledge/run.sh

clean:
	rm -rf build build-asan build-fuzz
