# mlops: PGXS build. See README.md for the targets.
EXTENSION   = mlops
EXTVERSION  = 0.2.0
MODULE_big  = mlops
# Sources live in a folder per concern (src/<concern>/*.c, src/drift/core/*.c).
OBJS        = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/*/*.c src/*/*/*.c)))
PGFILEDESC  = "mlops - MLOps platform in PostgreSQL"

# The install script is concatenated from the fragments sql/mlops/MANIFEST
# lists, in its order; an upgrade script sql/mlops--A--B.sql from the files in
# sql/upgrade/A--B/ (sorted by name). Released install scripts
# (sql/mlops--0.1.0.sql) are frozen files in the tree.
SQL_SOURCES = $(addprefix sql/mlops/,$(shell grep -v '^\#' sql/mlops/MANIFEST))
ifneq ($(filter-out $(SQL_SOURCES),$(wildcard sql/mlops/*.sql)),)
$(error sql/mlops/MANIFEST does not list $(filter-out $(SQL_SOURCES),$(wildcard sql/mlops/*.sql)))
endif
UPGRADES    = $(notdir $(wildcard sql/upgrade/*--*))
UPGRADE_built = $(patsubst %,sql/$(EXTENSION)--%.sql,$(UPGRADES))
DATA_built  = sql/$(EXTENSION)--$(EXTVERSION).sql $(UPGRADE_built)
DATA        = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

PG_CPPFLAGS = -Isrc -DMLOPS_VERSION=\"$(EXTVERSION)\" \
              '-DPGDLLEXPORT=__attribute__((visibility("default")))'
# Hidden visibility: only fmgr entry points, the module magic and _PG_init
# (declared PGDLLEXPORT, see src/compat.h) are exported from mlops.so.
PG_CFLAGS   = -fvisibility=hidden -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
              -Wno-sign-compare -Wmissing-prototypes $(if $(WERROR),-Werror)
SHLIB_LINK  = -lcurl -ljansson -lxxhash

# pg_regress: sql/<name>.sql + expected/<name>.out (install scripts excluded)
REGRESS     = $(filter-out $(EXTENSION)--%,$(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql))))
# isolation: test/specs/<name>.spec + test/expected/<name>.out
ISOLATION   = $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test
# TAP: test/t/*.pl through PostgreSQL::Test::Cluster
TAP_TESTS   = 1
PROVE_TESTS = $(sort $(wildcard test/t/*.pl))

EXTRA_CLEAN = $(DATA_built) results output_iso regression.diffs regression.out \
              tmp_check .pgtmp

all: $(DATA_built)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_SOURCES) sql/mlops/MANIFEST Makefile
	@{ printf '%s\n' "-- mlops $(EXTVERSION): generated from sql/mlops/MANIFEST; do not edit"; \
	   printf '%s\n' '\echo Use "CREATE EXTENSION mlops" to load this file. \quit'; \
	   for f in $(SQL_SOURCES); do echo; echo "-- ---- $$f"; cat $$f; done; } > $@

# The library's version string comes from this file; PGXS tracks no header
# dependencies, so every object depends on every header of the project.
src/mlops.o: Makefile
$(OBJS): $(wildcard src/*.h src/*/*.h src/*/*/*.h)

.SECONDEXPANSION:
# The directory is a prerequisite too: removing a fragment changes its mtime.
$(UPGRADE_built): sql/$(EXTENSION)--%.sql: $$(sort $$(wildcard sql/upgrade/%/*.sql)) sql/upgrade/% Makefile
	@{ printf '%s\n' "-- mlops $*: generated from sql/upgrade/$*/; do not edit"; \
	   printf '%s\n' '\echo Use "ALTER EXTENSION mlops UPDATE" to load this file. \quit'; \
	   for f in $(sort $(wildcard sql/upgrade/$*/*.sql)); do echo; echo "-- ---- $$f"; cat $$f; done; } > $@

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Layers run by scripts/test.sh against a private install (PG_CONFIG points there).
# TEMP_INSTANCE makes pg_regress / pg_isolation_regress start their own cluster.
TEST_CONF = test/mlops.conf
regress-temp:
	$(pg_regress_installcheck) --temp-instance=$(TEMP_INSTANCE)/regress \
	  --temp-config=$(TEST_CONF) $(REGRESS_OPTS) $(REGRESS)
isolation-temp:
	$(pg_isolation_regress_installcheck) --temp-instance=$(TEMP_INSTANCE)/iso \
	  --temp-config=$(TEST_CONF) $(ISOLATION_OPTS) $(ISOLATION)
tap:
	$(prove_installcheck)

# The user-facing entry points.
test:
	@scripts/test.sh regress isolation pgtap
test-cross:
	@scripts/test.sh cross
test-tap:
	@scripts/test.sh tap
test-citus:
	@scripts/test-citus.sh
demo:
	@scripts/demo.sh
bench:
	@scripts/bench.sh
bench-citus:
	@scripts/bench-citus.sh

.PHONY: test test-cross test-tap test-citus demo bench bench-citus tap regress-temp isolation-temp

# make fuzz: libFuzzer (clang, ASan + UBSan) on the sketch parsers, bounded:
# FUZZ_SECONDS per target (4 targets). Crashes land in test/fuzz/corpus/.
FUZZ_SECONDS ?= 30
fuzz:
	@test/fuzz/run.sh $(FUZZ_SECONDS)
.PHONY: fuzz
