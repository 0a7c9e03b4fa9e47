/*
 * dataset.c: the rules of mlops.datasets and mlops.dataset_versions.
 *
 *  - mlops._datasets_rules(): BEFORE INSERT OR UPDATE row trigger on
 *    datasets. A new dataset gets created_by = session_user, created_at =
 *    now() and a zero version counter; its name, creator and counter change
 *    only through mlops (the counter statement below) or a restore.
 *  - mlops._dataset_versions_rules(): BEFORE INSERT OR UPDATE OR DELETE row
 *    trigger on dataset_versions. A new version takes the next number from
 *    datasets.last_version, raised by an UPDATE run as the tables' owner:
 *    the row lock it takes orders concurrent writers of one dataset, so
 *    numbers have no gaps or duplicates, and a plain INSERT from an ORM is
 *    numbered the same way (writers have no UPDATE privilege on datasets).
 *    Versions are immutable.
 * A session loading a dump (superuser, row_security = off, as in
 * src/tracking/tracking.c) keeps rows as dumped.
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/formatting.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/timestamp.h"

#include "common/row_ids.h"
#include "common/spi_owner.h"
#include "datasets/datasets.h"

/* Whether this session loads a dump (see the file comment). */
bool
mlops_datasets_restoring(void)
{
	return !row_security && superuser_arg(GetSessionUserId());
}

/* Column number of name in desc (the tables are ours: a missing one is a bug). */
static int
col(TupleDesc desc, const char *name)
{
	int			c = SPI_fnumber(desc, name);

	if (c <= 0)
		elog(ERROR, "mlops datasets trigger: no column %s", name);
	return c;
}

/* Value of column name in tup. */
static Datum
get(HeapTuple tup, TupleDesc desc, const char *name, bool *isnull)
{
	return heap_getattr(tup, col(desc, name), desc, isnull);
}

/* A name datum holding the session user. */
static Datum
session_user_datum(void)
{
	return DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetSessionUserId(), false)));
}

/*
 * Run one fixed statement on mlops.datasets as the owner, with one bigint
 * and one integer parameter; returns the first row's (integer, text) result
 * in the caller's memory, or false when no row came back.
 */
static bool
owner_row(const char *sql, int64 id, int32 arg, int32 *out_int, char **out_text)
{
	OwnerScope	s;
	Oid			types[2] = {INT8OID, INT4OID};
	Datum		vals[2] = {Int64GetDatum(id), Int32GetDatum(arg)};
	volatile bool found = false;

	mlops_owner_begin(&s);
	PG_TRY();
	{
		if (mlops_owner_exec(sql, 2, types, vals, NULL, false, 0) > 0)
		{
			bool		isnull;
			HeapTuple	row = SPI_tuptable->vals[0];
			TupleDesc	desc = SPI_tuptable->tupdesc;

			*out_int = DatumGetInt32(SPI_getbinval(row, desc, 1, &isnull));
			*out_text = MemoryContextStrdup(s.caller_cxt, SPI_getvalue(row, desc, 2));
			found = true;
		}
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&s);
	return found;
}

/* Name of dataset id (read as the owner), for messages. */
static char *
dataset_name(int64 id)
{
	int32		last;
	char	   *name;

	if (!owner_row("SELECT d.last_version, d.name FROM mlops.datasets d "
				   "WHERE d.id OPERATOR(pg_catalog.=) $1 AND $2 IS NOT NULL",
				   id, 0, &last, &name))
		return psprintf("#" INT64_FORMAT, id);
	return name;
}

/* ------------------------------------------------------------ datasets */

/* INSERT into datasets: stamp creator and time, start the counter at 0. */
static HeapTuple
datasets_insert(TriggerData *td)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	int			cols[3] = {col(desc, "created_by"), col(desc, "created_at"), col(desc, "last_version")};
	Datum		vals[3] = {session_user_datum(), TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
	Int32GetDatum(0)};
	bool		nulls[3] = {false, false, false};

	mlops_row_id_check(td->tg_relation, td->tg_trigtuple);
	return heap_modify_tuple_by_cols(td->tg_trigtuple, desc, 3, cols, vals, nulls);
}

/* UPDATE of datasets: only the description changes, unless mlops moves the counter. */
static HeapTuple
datasets_update(TriggerData *td)
{
	static const char *const fixed[] = {"id", "name", "created_at", "created_by", "last_version"};
	TupleDesc	desc = td->tg_relation->rd_att;
	int			i;

	if (mlops_owner_trusted())
		return td->tg_newtuple;
	for (i = 0; i < lengthof(fixed); i++)
	{
		int			c = col(desc, fixed[i]);
		bool		n1,
					n2;
		Datum		a = heap_getattr(td->tg_trigtuple, c, desc, &n1);
		Datum		b = heap_getattr(td->tg_newtuple, c, desc, &n2);
		Form_pg_attribute att = TupleDescAttr(desc, c - 1);

		if (n1 != n2 || (!n1 && !datumIsEqual(a, b, att->attbyval, att->attlen)))
		{
			bool		isnull;

			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("column %s of dataset \"%s\" cannot change", fixed[i],
							TextDatumGetCString(get(td->tg_trigtuple, desc, "name", &isnull))),
					 errdetail("Only the description of a dataset may change; its version counter moves when a version is registered."),
					 errhint("Register a new version with mlops.register_dataset_version() or mlops.snapshot_table().")));
		}
	}
	return td->tg_newtuple;
}

PG_FUNCTION_INFO_V1(mlops_datasets_rules);

/* mlops._datasets_rules(): see the file comment. */
Datum
mlops_datasets_rules(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || TRIGGER_FIRED_BY_DELETE(td->tg_event))
		elog(ERROR, "mlops._datasets_rules() must be a BEFORE INSERT OR UPDATE ... FOR EACH ROW trigger");
	if (mlops_datasets_restoring())
		return PointerGetDatum(TRIGGER_FIRED_BY_INSERT(td->tg_event) ? td->tg_trigtuple : td->tg_newtuple);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return PointerGetDatum(datasets_insert(td));
	return PointerGetDatum(datasets_update(td));
}

/* ---------------------------------------------------- dataset versions */

/* INSERT into dataset_versions: the next number, creator, time, lowercase fingerprint. */
static HeapTuple
versions_insert(TriggerData *td)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	bool		idnull,
				vnull,
				fnull;
	Datum		dataset_id = get(tup, desc, "dataset_id", &idnull);
	Datum		given = get(tup, desc, "version", &vnull);
	Datum		fp = get(tup, desc, "fingerprint", &fnull);
	int32		version;
	char	   *name;
	int			cols[4];
	Datum		vals[4];
	bool		nulls[4] = {false, false, false, false};

	mlops_row_id_check(td->tg_relation, tup);
	if (idnull)
		return tup;				/* the NOT NULL constraint names the column */
	if (!owner_row("UPDATE mlops.datasets SET last_version = last_version OPERATOR(pg_catalog.+) 1 "
				   "WHERE id OPERATOR(pg_catalog.=) $1 AND $2 IS NOT NULL RETURNING last_version, name",
				   DatumGetInt64(dataset_id), 0, &version, &name))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("dataset_id " INT64_FORMAT " does not match any dataset in mlops.datasets",
						DatumGetInt64(dataset_id)),
				 errhint("Register versions by dataset name with mlops.register_dataset_version(), which creates the dataset.")));
	if (!vnull && DatumGetInt32(given) != version)
		ereport(ERROR,
				(errcode(ERRCODE_GENERATED_ALWAYS),
				 errmsg("version numbers of dataset \"%s\" are assigned by mlops: the next one is %d, not %d",
						name, version, DatumGetInt32(given)),
				 errhint("Leave the version column out (or use mlops.register_dataset_version()).")));
	cols[0] = col(desc, "version");
	vals[0] = Int32GetDatum(version);
	cols[1] = col(desc, "created_by");
	vals[1] = session_user_datum();
	cols[2] = col(desc, "created_at");
	vals[2] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	cols[3] = col(desc, "fingerprint");
	vals[3] = fnull ? (Datum) 0 : DirectFunctionCall1Coll(lower, DEFAULT_COLLATION_OID, fp);
	nulls[3] = fnull;
	return heap_modify_tuple_by_cols(tup, desc, 4, cols, vals, nulls);
}

/* A restored version: keep it, and keep the counter at least at its number. */
static HeapTuple
versions_restore(TriggerData *td)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	bool		idnull,
				vnull;
	Datum		dataset_id = get(td->tg_trigtuple, desc, "dataset_id", &idnull);
	Datum		given = get(td->tg_trigtuple, desc, "version", &vnull);
	int32		last;
	char	   *name;

	if (!idnull && !vnull)
		(void) owner_row("UPDATE mlops.datasets SET last_version = GREATEST(last_version, $2) "
						 "WHERE id OPERATOR(pg_catalog.=) $1 RETURNING last_version, name",
						 DatumGetInt64(dataset_id), DatumGetInt32(given), &last, &name);
	return td->tg_trigtuple;
}

/* UPDATE or DELETE of a version: refused, naming dataset@version. */
static void
versions_immutable(TriggerData *td)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	bool		n1,
				n2;
	Datum		dataset_id = get(td->tg_trigtuple, desc, "dataset_id", &n1);
	Datum		version = get(td->tg_trigtuple, desc, "version", &n2);
	char	   *name = n1 ? "?" : dataset_name(DatumGetInt64(dataset_id));

	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("version %d of dataset \"%s\" is immutable: it cannot be %s",
					n2 ? 0 : DatumGetInt32(version), name,
					TRIGGER_FIRED_BY_DELETE(td->tg_event) ? "deleted" : "changed"),
			 errdetail("Runs and models refer to dataset %s@%d.", name, n2 ? 0 : DatumGetInt32(version)),
			 errhint("Register a new version with mlops.register_dataset_version() or mlops.snapshot_table().")));
}

PG_FUNCTION_INFO_V1(mlops_dataset_versions_rules);

/* mlops._dataset_versions_rules(): see the file comment. */
Datum
mlops_dataset_versions_rules(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "mlops._dataset_versions_rules() must be a BEFORE ... FOR EACH ROW trigger");
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return PointerGetDatum(mlops_datasets_restoring() ? versions_restore(td) : versions_insert(td));
	if (!mlops_datasets_restoring())
		versions_immutable(td);
	return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple);
}

/*
 * A profile describes its version as it was snapshot: it is added in the
 * transaction that created the version (snapshot_table, or a client that
 * inserts a version and its profiles together), never to an existing one.
 */
static void
profile_version_is_new(TriggerData *td)
{
	bool		isnull;
	Datum		vid = get(td->tg_trigtuple, td->tg_relation->rd_att, "dataset_version_id", &isnull);
	int32		version;
	char	   *xmin_name;		/* "<xmin> <dataset name>" */
	char	   *name;

	if (isnull)
		return;					/* NOT NULL refuses it */
	if (!owner_row("SELECT v.version, v.xmin::pg_catalog.text OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) d.name "
				   "FROM mlops.dataset_versions v JOIN mlops.datasets d ON d.id OPERATOR(pg_catalog.=) v.dataset_id "
				   "WHERE v.id OPERATOR(pg_catalog.=) $1 AND $2 IS NOT NULL",
				   DatumGetInt64(vid), 0, &version, &xmin_name))
		return;					/* the foreign key refuses it */
	name = strchr(xmin_name, ' ');
	if (name == NULL)
		elog(ERROR, "unexpected dataset version row");
	if (!TransactionIdIsCurrentTransactionId((TransactionId) strtoul(xmin_name, NULL, 10)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("version %d of dataset \"%s\" exists already: no column profile can be added to it",
						version, name + 1),
				 errdetail("A version's profiles are written in the transaction that creates the version."),
				 errhint("Snapshot the table again with mlops.snapshot_table() for a new version.")));
}

PG_FUNCTION_INFO_V1(mlops_dataset_profiles_rules);

/*
 * mlops._dataset_profiles_rules(): BEFORE INSERT OR UPDATE OR DELETE row
 * trigger on dataset_column_profiles: generated ids; a profile is immutable
 * like the version it describes.
 */
Datum
mlops_dataset_profiles_rules(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "mlops._dataset_profiles_rules() must be a BEFORE ... FOR EACH ROW trigger");
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		if (!mlops_datasets_restoring())
		{
			mlops_row_id_check(td->tg_relation, td->tg_trigtuple);
			profile_version_is_new(td);
		}
		return PointerGetDatum(td->tg_trigtuple);
	}
	if (!mlops_datasets_restoring())
	{
		bool		isnull;
		Datum		name = get(td->tg_trigtuple, td->tg_relation->rd_att, "column_name", &isnull);

		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the profile of column \"%s\" of a dataset version is immutable",
						isnull ? "?" : TextDatumGetCString(name)),
				 errhint("Snapshot the table again with mlops.snapshot_table() for a new version.")));
	}
	return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple);
}
