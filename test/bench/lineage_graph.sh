#!/usr/bin/env bash
# Lineage at scale. A start node with 100 descendants (10 children with 9
# children each) sits in a graph of 100,000 edges, then of 1,000,000 edges
# (random edges among other nodes, from lower to higher id, so acyclic).
#  - lineage_downstream of the start node on the 1M-edge graph against the
#    same call on the 100k-edge graph: a walk costs what it returns, not what
#    the graph holds (target <= 1.5);
#  - impacted_models of a dataset version on the 1M-edge graph against a
#    primary-key lookup of mlops.model_versions in the same run (target <= 3).
# Latencies are pgbench's average for one client and prepared statements.
# The graph is loaded set-based by the owner with the triggers off (as a
# restore would), with the impact projection rows it implies, in a database
# of its own per graph size; the two sizes are measured in turns, best of three
# rounds each, so that load on the machine meets both alike.
. "$SRC_DIR/scripts/benchlib.sh"
SMALL=mlops_bench_lineage_100k
LARGE=mlops_bench_lineage_1m
SECS=${LINEAGE_BENCH_SECS:-5}
TMP=$(mktemp -d)
trap "dropdb --if-exists $SMALL; dropdb --if-exists $LARGE; rm -rf $TMP" EXIT

# load EDGES: background edges among nodes 1001.. until the graph has EDGES edges
load() {
    psql -qX -v ON_ERROR_STOP=1 -v edges="$1" >/dev/null <<'SQL'
SET session_replication_role = replica;
SELECT setseed(0.42);
INSERT INTO mlops.lineage_nodes (kind, key)
SELECT 'external', 'n/' || g FROM generate_series((SELECT count(*) + 1 FROM mlops.lineage_nodes), 1000 + :edges / 2) g;
INSERT INTO mlops.lineage_links (src_id, dst_id, relation)
SELECT DISTINCT ON (s, d) s, d, 'feeds'
  FROM (SELECT a AS s, a + 1 + (random() * 5000)::int AS d
          FROM (SELECT 1001 + (random() * (:edges / 2 - 6000))::bigint AS a
                  FROM generate_series(1, :edges - (SELECT count(*) FROM mlops.lineage_links) + 1000) g) x) y
 WHERE d <= 1000 + :edges / 2
   AND NOT EXISTS (SELECT 1 FROM mlops.lineage_links l WHERE l.src_id = y.s AND l.dst_id = y.d)
 LIMIT :edges - (SELECT count(*) FROM mlops.lineage_links);
RESET session_replication_role;
VACUUM ANALYZE mlops.lineage_nodes;
VACUUM ANALYZE mlops.lineage_links;
SQL
}

# setup: the start node (id 1), its 10 children (2..11) and 90 grandchildren
# (12..101), and a dataset version that reaches 10 model versions through a run
setup() {
    psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION mlops;
SET session_replication_role = replica;
INSERT INTO mlops.lineage_nodes (kind, key) SELECT 'external', 'n/' || g FROM generate_series(1, 1000) g;
INSERT INTO mlops.lineage_links (src_id, dst_id, relation)
SELECT 1, c, 'feeds' FROM generate_series(2, 11) c
UNION ALL
SELECT c, 12 + (c - 2) * 9 + k, 'feeds' FROM generate_series(2, 11) c, generate_series(0, 8) k;
RESET session_replication_role;
SELECT mlops.register_dataset_version('bench_ds', 's3://bench/ds/1');
SELECT mlops.start_run('bench_lineage', 'train') AS run \gset
SELECT mlops.log_input(:'run', 'bench_ds', 1);
SELECT mlops.register_model('bench_model');
SELECT mlops.create_model_version('bench_model', :'run', 's3://bench/m/' || g) FROM generate_series(1, 10) g;
SQL
    # the version counter's row was updated in one transaction for every version
    psql -qX -c 'VACUUM ANALYZE' >/dev/null
}

echo "SELECT count(*) FROM mlops.lineage_downstream('external', 'n/1');" > "$TMP/down.sql"
echo "SELECT * FROM mlops.impacted_models('bench_ds', 1);" > "$TMP/impact.sql"
echo "SELECT * FROM mlops.model_versions WHERE id = 5;" > "$TMP/pk.sql"
# latency DB FILE: average ms per statement, one client
latency() { pgbench -n -M prepared -c 1 -T "$SECS" -f "$2" "$1" 2>&1 | sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p'; }
min2() { /usr/bin/python3 -c "print(min(x for x in [$1, ${2:-1e9}]))"; }
# check DB: the start node has exactly 100 descendants, and the walk is not truncated
check() {
    local got
    got=$(psql -qXAt -d "$1" -c "SELECT count(*) || ' ' || bool_or(truncated) FROM mlops.lineage_downstream('external', 'n/1')")
    [ "$got" = "100 false" ] || { echo "$1: expected 100 descendants, got $got" >&2; exit 1; }
}

for db in $SMALL $LARGE; do
    dropdb --if-exists "$db" && createdb "$db" || exit 1
    PGDATABASE=$db setup
done
PGDATABASE=$SMALL load 100000
PGDATABASE=$LARGE load 1000000
ns=$(psql -qXAt -d $SMALL -c "SELECT count(*) FROM mlops.lineage_links")
nl=$(psql -qXAt -d $LARGE -c "SELECT count(*) FROM mlops.lineage_links")
check $SMALL; check $LARGE
got=$(psql -qXAt -d $LARGE -c "SELECT count(*) FROM mlops.impacted_models('bench_ds', 1)")
[ "$got" = "10" ] || { echo "expected 10 impacted model versions, got $got" >&2; exit 1; }

small=""; large=""; imp=""; pk=""
for _ in 1 2 3; do
    small=$(min2 "$(latency $SMALL "$TMP/down.sql")" "$small")
    large=$(min2 "$(latency $LARGE "$TMP/down.sql")" "$large")
    imp=$(min2 "$(latency $LARGE "$TMP/impact.sql")" "$imp")
    pk=$(min2 "$(latency $LARGE "$TMP/pk.sql")" "$pk")
done
echo "lineage_downstream of 100 descendants: ${small} ms on $ns edges, ${large} ms on $nl edges"
echo "on $nl edges: impacted_models (10 versions) ${imp} ms, primary-key lookup ${pk} ms"
report "lineage_downstream, 100 descendants, 1M-edge graph" "the same call on a 100k-edge graph" \
    "$(ratio "$large" "$small")" "<= 1.5"
report "impacted_models, 10 versions, 1M-edge graph" "primary-key lookup of mlops.model_versions" \
    "$(ratio "$imp" "$pk")" "<= 3"
