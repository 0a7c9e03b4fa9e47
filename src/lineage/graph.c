/*
 * graph.c: the lineage graph's writes (see lineage.h).
 *
 *  - mlops_lineage_add() / mlops.add_lineage(): checks the two nodes'
 *    keys, creates the nodes and inserts the edge as the extension owner
 *    (common/spi_owner); readers and writers cannot write the lineage tables
 *    directly, so every edge comes through here.
 *  - Triggers of mlops.lineage_links, for every insert (the owner's plain
 *    INSERT too), except while a dump is loaded:
 *      BEFORE INSERT/DELETE (statement): the lineage lock, a transaction
 *        advisory lock that serialises every change of edges;
 *      BEFORE INSERT (row): no self-loop, the relation's limits, created_by;
 *      AFTER INSERT (row): no cycle, then the impact projection;
 *      AFTER DELETE (statement): the projection of the datasets upstream of
 *        removed edges is computed again.
 *  - Hooks: an input of a run (mlops.run_inputs), a new model version and a
 *    run's parent add their edges through mlops_lineage_add().
 *
 * Why one lock: an edge u -> v closes a cycle when v already reaches u. Two
 * transactions adding x -> y and y -> x (or the two halves of a longer
 * cycle) each see no cycle in their own snapshot. Holding the lock until
 * commit and checking with the latest snapshot after taking it, the later
 * transaction sees what the earlier one committed, also under REPEATABLE
 * READ (whose own snapshot would not). The check runs after the row is
 * inserted and after a command counter increment, so the edges of the same
 * statement (a multi-row INSERT) are part of it too.
 */
#include "postgres.h"

#include "compat.h"

#include <limits.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"

#include "common/spi_owner.h"
#include "lineage/lineage.h"
#include "lineage/walk.h"

/* Limits, mirrored by CHECK constraints in sql/mlops/36_lineage.sql. */
#define LINEAGE_KEY_MAX 2048
#define LINEAGE_RELATION_MAX 100

enum
{
	KIND_DATASET_VERSION,
	KIND_RUN,
	KIND_MODEL_VERSION,
	KIND_JOB,
	KIND_EXTERNAL
};

/* A node named by (kind, key), checked and in canonical form. */
typedef struct NodeRef
{
	int			kind;
	char	   *key;			/* canonical key */
	char	   *name;			/* dataset or model name (versioned kinds) */
	int32		version;
	Datum		object;			/* run uuid, dataset or model version id */
	bool		has_object;
} NodeRef;

/*
 * Whether this session loads a dump: the test of mlops._restoring()
 * (src/tracking/tracking.c), a superuser session with row_security off.
 */
static bool
lineage_restoring(void)
{
	return !row_security && superuser_arg(GetSessionUserId());
}

/* "kind:key", how messages name a node. */
static char *
node_label(const NodeRef *n)
{
	return psprintf("%s:%s", mlops_lineage_kinds[n->kind], n->key);
}

/* The kind's index, or 22023. */
static int
lineage_kind(const char *kind)
{
	for (int i = 0; i < LINEAGE_NKINDS; i++)
		if (strcmp(kind, mlops_lineage_kinds[i]) == 0)
			return i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown lineage node kind \"%s\"", kind),
			 errhint("Node kinds are dataset_version, run, model_version, job and external.")));
	return -1;					/* keep the compiler quiet */
}

/* Split "name@version" at its last '@' (names may contain '@'), or 22023. */
static void
parse_versioned(NodeRef *n, const char *key)
{
	const char *at = strrchr(key, '@');
	const char *p;
	long		v = 0;

	if (at != NULL && at != key && at[1] != '\0')
	{
		for (p = at + 1; *p >= '0' && *p <= '9' && v <= INT_MAX; p++)
			v = v * 10 + (*p - '0');
		if (*p == '\0' && v >= 1 && v <= INT_MAX)
		{
			n->name = pnstrdup(key, at - key);
			n->version = (int32) v;
			n->key = psprintf("%s@%d", n->name, n->version);
			return;
		}
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s key \"%s\" is not name@version", mlops_lineage_kinds[n->kind], key),
			 errhint("Name a version as name@N with N >= 1, for example churn@3.")));
}

/* Kind and key in canonical form; checks their syntax only (no lookups). */
static void
node_parse(NodeRef *n, const char *kind, const char *key)
{
	memset(n, 0, sizeof(*n));
	n->kind = lineage_kind(kind);
	switch (n->kind)
	{
		case KIND_RUN:
		case KIND_JOB:
			n->object = DirectFunctionCall1(uuid_in, CStringGetDatum(key));
			n->key = DatumGetCString(DirectFunctionCall1(uuid_out, n->object));
			break;
		case KIND_DATASET_VERSION:
		case KIND_MODEL_VERSION:
			parse_versioned(n, key);
			break;
		default:
			if (key[0] == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("an external lineage node needs a non-empty key"),
						 errhint("Name external datasets as OpenLineage does: namespace/name.")));
			n->key = pstrdup(key);
			break;
	}
	/* bytes, not characters: the key is indexed, and an index entry has a size limit */
	if (strlen(n->key) > LINEAGE_KEY_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("%s key is too long (%d bytes, at most %d)", mlops_lineage_kinds[n->kind],
						(int) strlen(n->key), LINEAGE_KEY_MAX),
				 errdetail("It starts with \"%.*s\".", pg_mbcliplen(n->key, (int) strlen(n->key), 40), n->key)));
}

/*
 * Run a fixed lookup (a static string) with SPI, connected by the caller, as
 * the current user; the first column of its row, if any. Its generic plan is
 * kept per backend (mlops_lineage_plan()).
 */
static bool
spi_lookup(const char *sql, int nargs, Oid *types, Datum *values, Datum *result)
{
	bool		isnull;

	if (SPI_execute_plan(mlops_lineage_plan(sql, nargs, types), values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "lineage lookup failed: %s", sql);
	if (SPI_processed == 0)
		return false;
	*result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return !isnull;
}

/*
 * The object a node stands for must exist: the run (42704), the model
 * version (42704), the dataset version (mlops._dataset_version_id(), 42704).
 * Jobs and external datasets have no table to check. SPI is connected.
 */
static void
node_check_object(NodeRef *n)
{
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		args[2];
	Datum		found;

	switch (n->kind)
	{
		case KIND_RUN:
			types[0] = UUIDOID;
			if (!spi_lookup("SELECT 1 FROM mlops.runs WHERE id OPERATOR(pg_catalog.=) $1",
							1, types, &n->object, &found))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("run %s does not exist", n->key),
						 errhint("A run node names a tracked run (mlops.runs).")));
			n->has_object = true;
			break;
		case KIND_MODEL_VERSION:
			args[0] = CStringGetTextDatum(n->name);
			args[1] = Int32GetDatum(n->version);
			if (!spi_lookup("SELECT v.id FROM mlops.model_versions v JOIN mlops.models m"
							" ON m.id OPERATOR(pg_catalog.=) v.model_id"
							" WHERE m.name OPERATOR(pg_catalog.=) $1 AND v.version OPERATOR(pg_catalog.=) $2",
							2, types, args, &n->object))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("version %d of model \"%s\" does not exist", n->version, n->name),
						 errhint("Create it with mlops.create_model_version().")));
			n->has_object = true;
			break;
		case KIND_DATASET_VERSION:
			args[0] = CStringGetTextDatum(n->name);
			args[1] = Int32GetDatum(n->version);
			if (!spi_lookup("SELECT mlops._dataset_version_id($1, $2)", 2, types, args, &n->object))
				elog(ERROR, "mlops._dataset_version_id returned no id");
			n->has_object = true;
			break;
		default:
			break;
	}
}

/* The id of a node, or 0 when the graph does not have it. SPI is connected. */
static int64
node_find(const NodeRef *n)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		args[2];
	Datum		id;

	args[0] = CStringGetTextDatum(mlops_lineage_kinds[n->kind]);
	args[1] = CStringGetTextDatum(n->key);
	if (!spi_lookup("SELECT id FROM mlops.lineage_nodes"
					" WHERE kind OPERATOR(pg_catalog.=) $1 AND key OPERATOR(pg_catalog.=) $2",
					2, types, args, &id))
		return 0;
	return DatumGetInt64(id);
}

/* The id of a node, created when missing; inside an owner scope. */
static int64
node_ensure(const NodeRef *n)
{
	static const char *sql =
		"INSERT INTO mlops.lineage_nodes (kind, key, run_id, dataset_version_id, model_version_id)"
		" VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, key) DO NOTHING RETURNING id";
	Oid			types[5] = {TEXTOID, TEXTOID, UUIDOID, INT8OID, INT8OID};
	Datum		args[5] = {0, 0, 0, 0, 0};
	char		nulls[5] = {' ', ' ', 'n', 'n', 'n'};
	int			slot = n->kind == KIND_RUN ? 2 : n->kind == KIND_DATASET_VERSION ? 3 : 4;
	int64		id = node_find(n);
	bool		isnull;

	if (id != 0)
		return id;
	args[0] = CStringGetTextDatum(mlops_lineage_kinds[n->kind]);
	args[1] = CStringGetTextDatum(n->key);
	if (n->has_object)
	{
		args[slot] = n->object;
		nulls[slot] = ' ';
	}
	if (mlops_owner_exec(sql, 5, types, args, nulls, false, 0) == 1)
		return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	/* a concurrent transaction created it and committed meanwhile */
	id = node_find(n);
	if (id == 0)
		elog(ERROR, "lineage node %s could not be created", node_label(n));
	return id;
}

/* A relation: 1..100 characters without control characters (22004, 22023, 22001). */
static void
check_relation(const char *relation)
{
	int			len = pg_mbstrlen(relation);

	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a lineage relation must not be empty"),
				 errhint("Say how the data flows, for example input, output or produced.")));
	if (len > LINEAGE_RELATION_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("lineage relation is too long (%d characters, at most %d)", len, LINEAGE_RELATION_MAX),
				 errdetail("It starts with \"%.40s\".", relation)));
	for (const char *p = relation; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7f)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("lineage relation \"%s\" contains a control character", relation)));
}

static void lineage_lock(void);

/* The 23514 of an edge that closes a cycle (or is a self-loop). */
static void
refuse_cycle(const char *src, const char *dst)
{
	if (strcmp(src, dst) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("lineage edge %s -> %s would close a cycle: a node cannot feed itself", src, dst),
				 errhint("Lineage is acyclic: a run that rewrites what it read produces a new version (read N, write N+1).")));
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("lineage edge %s -> %s would close a cycle", src, dst),
			 errdetail("%s already reaches %s downstream.", dst, src),
			 errhint("Lineage is acyclic: a run that rewrites what it read produces a new version (read N, write N+1).")));
}

void
mlops_lineage_add(const char *src_kind, const char *src_key,
				  const char *dst_kind, const char *dst_key, const char *relation)
{
	static const char *exists_sql =
		"SELECT 1 FROM mlops.lineage_links WHERE src_id OPERATOR(pg_catalog.=) $1"
		" AND dst_id OPERATOR(pg_catalog.=) $2 AND relation OPERATOR(pg_catalog.=) $3";
	static const char *insert_sql =
		"INSERT INTO mlops.lineage_links (src_id, dst_id, relation) VALUES ($1, $2, $3)"
		" ON CONFLICT (src_id, dst_id, relation) DO NOTHING";
	NodeRef		src;
	NodeRef		dst;
	OwnerScope	scope;

	node_parse(&src, src_kind, src_key);
	node_parse(&dst, dst_kind, dst_key);
	check_relation(relation);
	if (src.kind == dst.kind && strcmp(src.key, dst.key) == 0)
		refuse_cycle(node_label(&src), node_label(&dst));

	mlops_owner_begin(&scope);
	PG_TRY();
	{
		Oid			types[3] = {INT8OID, INT8OID, TEXTOID};
		Datum		args[3];
		Datum		one;

		node_check_object(&src);
		node_check_object(&dst);
		args[0] = Int64GetDatum(node_find(&src));
		args[1] = Int64GetDatum(node_find(&dst));
		args[2] = CStringGetTextDatum(relation);
		/* an identical edge is a no-op, without waiting for the lineage lock */
		if (DatumGetInt64(args[0]) == 0 || DatumGetInt64(args[1]) == 0 ||
			!spi_lookup(exists_sql, 3, types, args, &one))
		{
			/*
			 * The lock before the nodes: a transaction waiting for it must
			 * not hold a new node that the lock's holder is about to insert
			 * too (a deadlock).
			 */
			lineage_lock();
			args[0] = Int64GetDatum(node_ensure(&src));
			args[1] = Int64GetDatum(node_ensure(&dst));
			mlops_owner_exec(insert_sql, 3, types, args, NULL, false, 0);
		}
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&scope);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&scope);
}

/* A text argument that must not be NULL (22004). */
static char *
arg_text(FunctionCallInfo fcinfo, int i, const char *what)
{
	if (PG_ARGISNULL(i))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
	return text_to_cstring(PG_GETARG_TEXT_PP(i));
}

PG_FUNCTION_INFO_V1(mlops_add_lineage);

/* mlops.add_lineage(src_kind, src_key, dst_kind, dst_key, relation). */
Datum
mlops_add_lineage(PG_FUNCTION_ARGS)
{
	mlops_lineage_add(arg_text(fcinfo, 0, "src_kind"), arg_text(fcinfo, 1, "src_key"),
					  arg_text(fcinfo, 2, "dst_kind"), arg_text(fcinfo, 3, "dst_key"),
					  arg_text(fcinfo, 4, "relation"));
	PG_RETURN_VOID();
}

int64
mlops_lineage_start_node(const char *kind, const char *key)
{
	NodeRef		n;
	int64		id;

	node_parse(&n, kind, key);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	node_check_object(&n);
	id = node_find(&n);
	SPI_finish();
	if (id == 0 && !n.has_object)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("lineage node %s does not exist", node_label(&n)),
				 errhint("Job and external nodes exist once an edge names them (mlops.add_lineage()).")));
	return id;
}

/* ------------------------------------------------------------ triggers */

/* The trigger data of a trigger function, or an error when called otherwise. */
static TriggerData *
trigger_data(FunctionCallInfo fcinfo, const char *name)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "%s: not called by the trigger manager", name);
	return (TriggerData *) fcinfo->context;
}

/*
 * Refuse a write of a lineage table by code that an mlops operation reached
 * (a user trigger or function running with the owner's rights inside an
 * owner scope), not issued by it.
 */
static void
refuse_reached_code(Relation rel)
{
	if (mlops_owner_trusted() || !InSecurityRestrictedOperation() ||
		GetUserId() != mlops_extension_owner())
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("mlops.%s cannot be written by code that an mlops operation runs",
					RelationGetRelationName(rel)),
			 errhint("Add lineage with mlops.add_lineage().")));
}

/* The lineage lock (transaction advisory lock, key hashtext('mlops.lineage')). */
static void
lineage_lock(void)
{
	Datum		key = DirectFunctionCall1Coll(hashtext, C_COLLATION_OID, CStringGetTextDatum("mlops.lineage"));

	DirectFunctionCall1(pg_advisory_xact_lock_int8, Int64GetDatum((int64) DatumGetInt32(key)));
}

PG_FUNCTION_INFO_V1(mlops_lineage_links_lock);

/* BEFORE INSERT OR DELETE statement trigger: take the lineage lock before any row. */
Datum
mlops_lineage_links_lock(PG_FUNCTION_ARGS)
{
	(void) trigger_data(fcinfo, "mlops_lineage_links_lock");
	if (!lineage_restoring())
		lineage_lock();
	return PointerGetDatum(NULL);
}

/* A node's "kind:key" with the latest snapshot, for messages. */
static char *
node_label_by_id(int64 id)
{
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	char	   *kind;
	char	   *key;
	char	   *label;

	label = mlops_lineage_node_name(id, snap, &kind, &key)
		? psprintf("%s:%s", kind, key) : psprintf("node %lld", (long long) id);
	UnregisterSnapshot(snap);
	return label;
}

/* An int8 column of a trigger's tuple. */
static int64
tuple_int8(HeapTuple tup, Relation rel, const char *column)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, get_attnum(RelationGetRelid(rel), column),
								 RelationGetDescr(rel), &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

PG_FUNCTION_INFO_V1(mlops_lineage_links_rules);

/*
 * BEFORE INSERT OR UPDATE row trigger of mlops.lineage_links: edges do not
 * change (55000), no self-loop (23514), the relation's limits, created_by
 * and created_at as for every mlops row.
 */
Datum
mlops_lineage_links_rules(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "mlops_lineage_links_rules");
	Relation	rel = td->tg_relation;
	HeapTuple	tup = td->tg_trigtuple;
	int			atts[2];
	Datum		values[2];
	bool		nulls[2] = {false, false};
	bool		isnull;
	Datum		relation;
	int64		src;
	int64		dst;

	if (lineage_restoring())
		return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : tup);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("lineage edges cannot change"),
				 errhint("Add the edge that is right with mlops.add_lineage().")));
	refuse_reached_code(rel);
	src = tuple_int8(tup, rel, "src_id");
	dst = tuple_int8(tup, rel, "dst_id");
	if (src == dst)
	{
		char	   *label = node_label_by_id(src);

		refuse_cycle(label, label);
	}
	relation = heap_getattr(tup, get_attnum(RelationGetRelid(rel), "relation"), RelationGetDescr(rel), &isnull);
	if (!isnull)
		check_relation(TextDatumGetCString(relation));
	atts[0] = get_attnum(RelationGetRelid(rel), "created_by");
	atts[1] = get_attnum(RelationGetRelid(rel), "created_at");
	values[0] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetSessionUserId(), false)));
	values[1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	return PointerGetDatum(heap_modify_tuple_by_cols(tup, RelationGetDescr(rel), 2, atts, values, nulls));
}

/* A bigint[] or integer[] of n values. */
static Datum
int_array(const void *values, int n, bool int8)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		d[i] = int8 ? Int64GetDatum(((const int64 *) values)[i]) : Int32GetDatum(((const int32 *) values)[i]);
	return PointerGetDatum(int8 ? construct_array(d, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)
						   : construct_array(d, n, INT4OID, 4, true, TYPALIGN_INT));
}

/* A walk's nodes with the start itself at depth 0 in front. */
static void
walk_with_start(LineageWalk *w, int64 start, int64 **nodes, int32 **depths)
{
	*nodes = palloc(sizeof(int64) * (w->n + 1));
	*depths = palloc(sizeof(int32) * (w->n + 1));
	(*nodes)[0] = start;
	(*depths)[0] = 0;
	memcpy(*nodes + 1, w->nodes, sizeof(int64) * w->n);
	memcpy(*depths + 1, w->depths, sizeof(int32) * w->n);
}

/*
 * The projection after a new edge src -> dst: every dataset version
 * upstream of src (or src) reaches every model version downstream of dst
 * (or dst) in up + 1 + down steps; the shortest depth wins.
 */
static void
impact_add(int64 src, LineageWalk *down, int64 dst, Snapshot snap)
{
	static const char *sql =
		"INSERT INTO mlops.lineage_impact (dataset_node_id, model_node_id, depth, dataset_version_id, model_version_id)"
		" SELECT a.id, b.id, a.d OPERATOR(pg_catalog.+) 1 OPERATOR(pg_catalog.+) b.d, an.dataset_version_id, bn.model_version_id"
		"   FROM ROWS FROM (pg_catalog.unnest($1::bigint[]), pg_catalog.unnest($2::integer[])) a(id, d)"
		"   JOIN mlops.lineage_nodes an ON an.id OPERATOR(pg_catalog.=) a.id AND an.kind OPERATOR(pg_catalog.=) 'dataset_version',"
		"        ROWS FROM (pg_catalog.unnest($3::bigint[]), pg_catalog.unnest($4::integer[])) b(id, d)"
		"   JOIN mlops.lineage_nodes bn ON bn.id OPERATOR(pg_catalog.=) b.id AND bn.kind OPERATOR(pg_catalog.=) 'model_version'"
		" ON CONFLICT (dataset_node_id, model_node_id) DO UPDATE SET depth = EXCLUDED.depth"
		"  WHERE EXCLUDED.depth OPERATOR(pg_catalog.<) mlops.lineage_impact.depth";
	Oid			types[4] = {INT8ARRAYOID, INT4ARRAYOID, INT8ARRAYOID, INT4ARRAYOID};
	Datum		args[4];
	LineageWalk up;
	int64	   *nodes;
	int32	   *depths;
	OwnerScope	scope;

	mlops_lineage_walk(false, src, INT_MAX, INT64_MAX, 0, snap, false, &up);
	walk_with_start(&up, src, &nodes, &depths);
	args[0] = int_array(nodes, up.n + 1, true);
	args[1] = int_array(depths, up.n + 1, false);
	walk_with_start(down, dst, &nodes, &depths);
	args[2] = int_array(nodes, down->n + 1, true);
	args[3] = int_array(depths, down->n + 1, false);
	mlops_owner_begin(&scope);
	PG_TRY();
	{
		mlops_owner_exec(sql, 4, types, args, NULL, false, 0);
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&scope);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&scope);
}

PG_FUNCTION_INFO_V1(mlops_lineage_links_added);

/*
 * AFTER INSERT row trigger of mlops.lineage_links: refuse an edge that
 * closes a cycle, then extend the impact projection. Runs under the lineage
 * lock (the statement trigger), with the latest snapshot after a command
 * counter increment: what others committed before the lock was granted and
 * every edge of this transaction, the statement's own rows included.
 */
Datum
mlops_lineage_links_added(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "mlops_lineage_links_added");
	int64		src;
	int64		dst;
	Snapshot	snap;
	LineageWalk down;

	if (lineage_restoring())
		return PointerGetDatum(NULL);
	src = tuple_int8(td->tg_trigtuple, td->tg_relation, "src_id");
	dst = tuple_int8(td->tg_trigtuple, td->tg_relation, "dst_id");
	CommandCounterIncrement();
	snap = RegisterSnapshot(GetLatestSnapshot());
	/* what dst reaches: the cycle check and the projection's downstream half */
	mlops_lineage_walk(true, dst, INT_MAX, INT64_MAX, src, snap, false, &down);
	if (down.found)
		refuse_cycle(node_label_by_id(src), node_label_by_id(dst));
	impact_add(src, &down, dst, snap);
	UnregisterSnapshot(snap);
	return PointerGetDatum(NULL);
}

/* The distinct src_id values of a trigger's transition table of removed edges. */
static int
removed_sources(TriggerData *td, int64 **out)
{
	Tuplestorestate *ts = td->tg_oldtable;
	TupleTableSlot *slot = MakeSingleTupleTableSlot(RelationGetDescr(td->tg_relation), &TTSOpsMinimalTuple);
	AttrNumber	att = get_attnum(RelationGetRelid(td->tg_relation), "src_id");
	int			n = 0;
	int			cap = 16;

	*out = palloc(sizeof(int64) * cap);
	tuplestore_rescan(ts);
	while (tuplestore_gettupleslot(ts, true, false, slot))
	{
		bool		isnull;
		int64		v = DatumGetInt64(slot_getattr(slot, att, &isnull));

		if (n == cap)
			*out = repalloc(*out, sizeof(int64) * (cap *= 2));
		(*out)[n++] = v;
	}
	ExecDropSingleTupleTableSlot(slot);
	return n;
}

/*
 * The projection rows of one dataset version node, computed again from what
 * it reaches now.
 */
static void
impact_recompute(int64 dataset_node, Snapshot snap)
{
	static const char *del =
		"DELETE FROM mlops.lineage_impact WHERE dataset_node_id OPERATOR(pg_catalog.=) $1";
	static const char *ins =
		"INSERT INTO mlops.lineage_impact (dataset_node_id, model_node_id, depth, dataset_version_id, model_version_id)"
		" SELECT $1, b.id, b.d, an.dataset_version_id, bn.model_version_id"
		"   FROM mlops.lineage_nodes an,"
		"        ROWS FROM (pg_catalog.unnest($2::bigint[]), pg_catalog.unnest($3::integer[])) b(id, d)"
		"   JOIN mlops.lineage_nodes bn ON bn.id OPERATOR(pg_catalog.=) b.id AND bn.kind OPERATOR(pg_catalog.=) 'model_version'"
		"  WHERE an.id OPERATOR(pg_catalog.=) $1";
	Oid			types[3] = {INT8OID, INT8ARRAYOID, INT4ARRAYOID};
	Datum		args[3];
	LineageWalk down;

	mlops_lineage_walk(true, dataset_node, INT_MAX, INT64_MAX, 0, snap, false, &down);
	args[0] = Int64GetDatum(dataset_node);
	args[1] = int_array(down.nodes, down.n, true);
	args[2] = int_array(down.depths, down.n, false);
	mlops_owner_exec(del, 1, types, args, NULL, false, 0);
	if (down.n > 0)
		mlops_owner_exec(ins, 3, types, args, NULL, false, 0);
}

PG_FUNCTION_INFO_V1(mlops_lineage_links_removed);

/*
 * AFTER DELETE statement trigger of mlops.lineage_links (transition table
 * old_rows): a path from a dataset version through a removed edge starts
 * upstream of (or at) the edge's source, which still exists when the path's
 * first removed edge is taken; so the projection rows of the dataset
 * versions among those sources and their ancestors are computed again.
 */
Datum
mlops_lineage_links_removed(PG_FUNCTION_ARGS)
{
	static const char *datasets_sql =
		"SELECT n.id FROM mlops.lineage_nodes n WHERE n.id OPERATOR(pg_catalog.=) ANY ($1)"
		"   AND n.kind OPERATOR(pg_catalog.=) 'dataset_version' ORDER BY n.id";
	TriggerData *td = trigger_data(fcinfo, "mlops_lineage_links_removed");
	int64	   *srcs;
	int			nsrc;
	int64	   *cand;
	int			ncand = 0;
	int			cap;
	Snapshot	snap;
	OwnerScope	scope;

	if (lineage_restoring() || td->tg_oldtable == NULL)
		return PointerGetDatum(NULL);
	nsrc = removed_sources(td, &srcs);
	CommandCounterIncrement();
	snap = RegisterSnapshot(GetLatestSnapshot());
	cap = nsrc + 16;
	cand = palloc(sizeof(int64) * cap);
	for (int i = 0; i < nsrc; i++)
	{
		LineageWalk up;

		mlops_lineage_walk(false, srcs[i], INT_MAX, INT64_MAX, 0, snap, false, &up);
		if (ncand + up.n + 1 > cap)
			cand = repalloc(cand, sizeof(int64) * (cap = 2 * (ncand + up.n + 1)));
		cand[ncand++] = srcs[i];
		memcpy(cand + ncand, up.nodes, sizeof(int64) * up.n);
		ncand += up.n;
	}
	mlops_owner_begin(&scope);
	PG_TRY();
	{
		Oid			type = INT8ARRAYOID;
		Datum		arg = int_array(cand, ncand, true);
		uint64		n = mlops_owner_exec(datasets_sql, 1, &type, &arg, NULL, true, 0);
		SPITupleTable *tt = SPI_tuptable;

		for (uint64 i = 0; i < n; i++)
		{
			bool		isnull;

			CHECK_FOR_INTERRUPTS();
			impact_recompute(DatumGetInt64(SPI_getbinval(tt->vals[i], tt->tupdesc, 1, &isnull)), snap);
		}
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&scope);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&scope);
	UnregisterSnapshot(snap);
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(mlops_lineage_nodes_rules);

/*
 * BEFORE INSERT OR UPDATE row trigger of mlops.lineage_nodes: nodes do not
 * change; a node that mlops_lineage_add() did not insert itself (a
 * superuser's plain INSERT) gets its key checked and put in canonical form,
 * and the column of the object it stands for filled.
 */
Datum
mlops_lineage_nodes_rules(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "mlops_lineage_nodes_rules");
	Relation	rel = td->tg_relation;
	Oid			relid = RelationGetRelid(rel);
	HeapTuple	tup = td->tg_trigtuple;
	bool		isnull;
	Datum		kind;
	Datum		key;
	NodeRef		n;
	int			atts[2];
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (lineage_restoring())
		return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : tup);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("lineage nodes cannot change")));
	refuse_reached_code(rel);
	if (mlops_owner_trusted())
		return PointerGetDatum(tup);
	kind = heap_getattr(tup, get_attnum(relid, "kind"), RelationGetDescr(rel), &isnull);
	if (isnull)
		return PointerGetDatum(tup);	/* NOT NULL refuses it */
	key = heap_getattr(tup, get_attnum(relid, "key"), RelationGetDescr(rel), &isnull);
	if (isnull)
		return PointerGetDatum(tup);
	node_parse(&n, TextDatumGetCString(kind), TextDatumGetCString(key));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	node_check_object(&n);
	SPI_finish();
	atts[0] = get_attnum(relid, "key");
	values[0] = CStringGetTextDatum(n.key);
	atts[1] = get_attnum(relid, n.kind == KIND_RUN ? "run_id"
						 : n.kind == KIND_DATASET_VERSION ? "dataset_version_id" : "model_version_id");
	values[1] = n.object;
	return PointerGetDatum(heap_modify_tuple_by_cols(tup, RelationGetDescr(rel), n.has_object ? 2 : 1,
													 atts, values, nulls));
}

/* ---------------------------------------------------------------- hooks */

/* A text column of a trigger's new row. */
static char *
new_text(TriggerData *td, const char *column)
{
	bool		isnull;
	Datum		d = heap_getattr(td->tg_trigtuple, get_attnum(RelationGetRelid(td->tg_relation), column),
								 RelationGetDescr(td->tg_relation), &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* A uuid column of a row as text, or NULL. */
static char *
row_uuid(TriggerData *td, HeapTuple tup, const char *column)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, get_attnum(RelationGetRelid(td->tg_relation), column),
								 RelationGetDescr(td->tg_relation), &isnull);

	return isnull ? NULL : DatumGetCString(DirectFunctionCall1(uuid_out, d));
}

/* An integer column of a trigger's new row. */
static int32
new_int4(TriggerData *td, const char *column)
{
	bool		isnull;
	Datum		d = heap_getattr(td->tg_trigtuple, get_attnum(RelationGetRelid(td->tg_relation), column),
								 RelationGetDescr(td->tg_relation), &isnull);

	return isnull ? 0 : DatumGetInt32(d);
}

PG_FUNCTION_INFO_V1(mlops_lineage_run_input);

/* AFTER INSERT row trigger of mlops.run_inputs: dataset_version -> run, 'input'. */
Datum
mlops_lineage_run_input(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "mlops_lineage_run_input");

	if (lineage_restoring())
		return PointerGetDatum(NULL);
	mlops_lineage_add("dataset_version", psprintf("%s@%d", new_text(td, "dataset"), new_int4(td, "version")),
					  "run", row_uuid(td, td->tg_trigtuple, "run_id"), "input");
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(mlops_lineage_model_version);

/* AFTER INSERT row trigger of mlops.model_versions: run -> model_version, 'produced'. */
Datum
mlops_lineage_model_version(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "mlops_lineage_model_version");
	Oid			type = INT8OID;
	Datum		model_id;
	Datum		name;
	char	   *key;

	if (lineage_restoring())
		return PointerGetDatum(NULL);
	model_id = Int64GetDatum(tuple_int8(td->tg_trigtuple, td->tg_relation, "model_id"));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (!spi_lookup("SELECT name FROM mlops.models WHERE id OPERATOR(pg_catalog.=) $1", 1, &type, &model_id, &name))
		elog(ERROR, "model %lld of a new version does not exist", (long long) DatumGetInt64(model_id));
	key = psprintf("%s@%d", TextDatumGetCString(name), new_int4(td, "version"));
	SPI_finish();
	mlops_lineage_add("run", row_uuid(td, td->tg_trigtuple, "run_id"), "model_version", key, "produced");
	return PointerGetDatum(NULL);
}

/* Remove the 'parent' edge parent -> run (a run that changed parents). */
static void
drop_parent_edge(const char *parent, const char *run)
{
	static const char *sql =
		"DELETE FROM mlops.lineage_links l USING mlops.lineage_nodes s, mlops.lineage_nodes d"
		" WHERE s.id OPERATOR(pg_catalog.=) l.src_id AND d.id OPERATOR(pg_catalog.=) l.dst_id"
		"   AND s.run_id OPERATOR(pg_catalog.=) $1 AND d.run_id OPERATOR(pg_catalog.=) $2"
		"   AND l.relation OPERATOR(pg_catalog.=) 'parent'";
	OwnerScope	scope;
	Oid			types[2] = {UUIDOID, UUIDOID};
	Datum		args[2];

	args[0] = DirectFunctionCall1(uuid_in, CStringGetDatum(parent));
	args[1] = DirectFunctionCall1(uuid_in, CStringGetDatum(run));
	mlops_owner_begin(&scope);
	PG_TRY();
	{
		mlops_owner_exec(sql, 2, types, args, NULL, false, 0);
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&scope);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&scope);
}

PG_FUNCTION_INFO_V1(mlops_lineage_run_parent);

/*
 * AFTER INSERT OR UPDATE OF parent_run_id row trigger of mlops.runs: the
 * edge parent run -> run ('parent'), so that what a parent read reaches the
 * models its child runs produce; a new parent replaces the old edge.
 */
Datum
mlops_lineage_run_parent(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "mlops_lineage_run_parent");
	HeapTuple	now = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	char	   *run = row_uuid(td, now, "id");
	char	   *parent = row_uuid(td, now, "parent_run_id");
	char	   *old = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? row_uuid(td, td->tg_trigtuple, "parent_run_id") : NULL;

	if (lineage_restoring())
		return PointerGetDatum(NULL);
	if (old != NULL && parent != NULL && strcmp(old, parent) == 0)
		return PointerGetDatum(NULL);	/* the same parent */
	if (old != NULL)
		drop_parent_edge(old, run);
	if (parent != NULL)
		mlops_lineage_add("run", parent, "run", run, "parent");
	return PointerGetDatum(NULL);
}
