/*
 * fingerprint.c: the content fingerprint of a table, and the one scan that
 * also profiles its columns for mlops.snapshot_table().
 *
 * The table is read by "SELECT <columns> FROM <relation>" run through SPI
 * as the caller, into a DestReceiver that hashes each row as it comes: the
 * executor checks the caller's SELECT privilege on the relation and its
 * columns (42501 naming the table) and applies row-level security, so the
 * fingerprint covers exactly the rows the caller may read (a table owner or
 * a BYPASSRLS role sees all of them). Views, materialized views, foreign
 * and partitioned tables are read the same way.
 *
 * Per row an XXH3-128 hash over, for each column: a tag (the column's
 * position in the list and a stable identity of its type: the oid of a
 * built-in type, the schema-qualified name of any other), then a NULL
 * marker or the value's bytes. The fingerprint is the sum of the row hashes
 * mod 2^128 (a multiset hash: row order does not count, a duplicate row
 * does, where XOR would cancel it). Value bytes never carry an oid that
 * differs between databases, so a pg_dump/restore keeps the fingerprint:
 *  - fixed-width by-value built-in types: the value in network byte order
 *    (their binary send format; float NaNs canonical);
 *  - built-in varlena types (text, numeric, jsonb, bytea, arrays of
 *    built-in base types, ...): the detoasted bytes without the header;
 *  - uuid and name: their bytes;
 *  - reg* types, enums, composites, ranges, arrays of other element types:
 *    the text output (enum and reg* values are oids; records, ranges and
 *    such arrays embed type oids);
 *  - other types: the binary send output, or the text output without one.
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>
#include <xxhash.h>

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/tupdesc.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "tcop/dest.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/uuid.h"

#include "datasets/datasets.h"

#define DS_HIST_BINS 20
#define DS_TOP_VALUES 20

/* How a column's values become bytes (see the file comment). */
typedef enum DsEncoding
{
	ENC_BYVAL,
	ENC_FLOAT4,
	ENC_FLOAT8,
	ENC_UUID,
	ENC_VARLENA,				/* from here on: variable length */
	ENC_NAME,
	ENC_SEND,
	ENC_TEXT
} DsEncoding;

/* What a numeric column's values are, for its sketch. */
typedef enum DsNumber
{
	NUM_NONE, NUM_INT2, NUM_INT4, NUM_INT8, NUM_FLOAT4, NUM_FLOAT8, NUM_NUMERIC
} DsNumber;

typedef struct DsColumn
{
	char	   *name;
	Oid			typid;
	uint64		tag;			/* position and type identity */
	DsEncoding	enc;
	int16		len;			/* ENC_BYVAL: bytes */
	DsNumber	number;
	bool		bpchar;			/* character(n): profiled without its padding */
	Oid			float_elem;		/* float4[] / float8[]: the element type (NaNs canonical) */
	FmgrInfo	proc;			/* ENC_SEND / ENC_TEXT */
	DsProfile	profile;
} DsColumn;

typedef struct DsScan
{
	DestReceiver pub;
	int			ncols;
	DsColumn   *cols;
	bool		profile;
	uint64		sum_hi;			/* the sum of row hashes, mod 2^128 */
	uint64		sum_lo;
	int64		rows;
	char	   *buf;			/* the row being hashed */
	size_t		cap;
	MemoryContext cxt;			/* the caller's: profiles live here */
	MemoryContext rowcxt;		/* detoasted / converted values of one row */
	bool		rowcxt_used;
} DsScan;

/* Whether typid's values are oids that differ between databases. */
static bool
is_reg_type(Oid typid)
{
	switch (typid)
	{
		case REGPROCOID:
		case REGPROCEDUREOID:
		case REGOPEROID:
		case REGOPERATOROID:
		case REGCLASSOID:
		case REGTYPEOID:
		case REGCONFIGOID:
		case REGDICTIONARYOID:
		case REGNAMESPACEOID:
		case REGROLEOID:
		case REGCOLLATIONOID:
			return true;
		default:
			return false;
	}
}

/* Whether a built-in base type's raw bytes are portable between databases. */
static bool
builtin_plain(Oid typid)
{
	return typid < FirstNormalObjectId && get_typtype(typid) == TYPTYPE_BASE && !is_reg_type(typid);
}

/* Choose the encoding of a column of type typid (a domain is encoded as its base type). */
static void
column_encoding(DsColumn *c)
{
	Oid			base = getBaseType(c->typid);
	int16		len;
	bool		byval;
	Oid			elem;
	Oid			func;
	bool		varlena;

	get_typlenbyval(base, &len, &byval);
	c->len = len;
	elem = get_element_type(base);
	if (base == FLOAT4OID)
		c->enc = ENC_FLOAT4;
	else if (base == FLOAT8OID)
		c->enc = ENC_FLOAT8;
	else if (base == UUIDOID)
		c->enc = ENC_UUID;
	else if (base == NAMEOID)
		c->enc = ENC_NAME;
	else if (builtin_plain(base) && byval && (len == 1 || len == 2 || len == 4 || len == 8))
		c->enc = ENC_BYVAL;
	else if (builtin_plain(base) && len == -1 && (!OidIsValid(elem) || builtin_plain(elem)))
		c->enc = ENC_VARLENA;
	else if (get_typtype(base) == TYPTYPE_BASE && !is_reg_type(base) && !OidIsValid(elem) &&
			 (getTypeBinaryOutputInfo(base, &func, &varlena), OidIsValid(func)))
	{
		c->enc = ENC_SEND;
		fmgr_info(func, &c->proc);
	}
	else
	{
		c->enc = ENC_TEXT;
		getTypeOutputInfo(c->typid, &func, &varlena);
		fmgr_info(func, &c->proc);
	}
	switch (base)
	{
		case INT2OID: c->number = NUM_INT2; break;
		case INT4OID: c->number = NUM_INT4; break;
		case INT8OID: c->number = NUM_INT8; break;
		case FLOAT4OID: c->number = NUM_FLOAT4; break;
		case FLOAT8OID: c->number = NUM_FLOAT8; break;
		case NUMERICOID: c->number = NUM_NUMERIC; break;
		default: c->number = NUM_NONE;
	}
	c->bpchar = (base == BPCHAROID);
	c->float_elem = (c->enc == ENC_VARLENA && (elem == FLOAT4OID || elem == FLOAT8OID)) ? elem : InvalidOid;
}

/* The tag of column position pos (1-based) of type typid. */
static uint64
column_tag(int pos, Oid typid)
{
	if (typid < FirstNormalObjectId)
	{
		uint32		oid = pg_hton32(typid);

		return XXH3_64bits_withSeed(&oid, sizeof(oid), (uint64) pos);
	}
	else
	{
		char	   *name = format_type_be_qualified(typid);

		return XXH3_64bits_withSeed(name, strlen(name), (uint64) pos | (UINT64CONST(1) << 32));
	}
}

/* Room for n more bytes in the row buffer. */
static inline void
buf_reserve(DsScan *s, size_t used, size_t n)
{
	if (unlikely(used + n > s->cap))
	{
		s->cap = Max(s->cap * 2, used + n);
		s->buf = repalloc_huge(s->buf, s->cap);
	}
}

/* Switch to the row context for a value that allocates. */
static inline MemoryContext
row_alloc(DsScan *s)
{
	s->rowcxt_used = true;
	return MemoryContextSwitchTo(s->rowcxt);
}

/*
 * Feed a non-null value's bytes to its column profile. Runs in the scan's
 * long-lived context (the sketches grow there); a numeric's conversion
 * allocates in the row context.
 */
static void
profile_value(DsScan *s, DsColumn *c, Datum d, const char *p, size_t n)
{
	uint64		h;
	double		x;

	/*
	 * character(n): trailing spaces are not part of the value (as when it
	 * is cast to text, which is how a monitor reads it)
	 */
	if (c->bpchar)
		while (n > 0 && p[n - 1] == ' ')
			n--;
	h = XXH3_64bits(p, n);

	addHyperLogLog(&c->profile.hll, (uint32) h);
	switch (c->number)
	{
		case NUM_NONE:
			if (c->profile.kind == DS_PROFILE_TEXT)
				mlops_ds_profile_text(&c->profile, h, p, (int) n);
			return;
		case NUM_INT2: x = DatumGetInt16(d); break;
		case NUM_INT4: x = DatumGetInt32(d); break;
		case NUM_INT8: x = (double) DatumGetInt64(d); break;
		case NUM_FLOAT4: x = DatumGetFloat4(d); break;
		case NUM_FLOAT8: x = DatumGetFloat8(d); break;
		default:
			{
				MemoryContext old = MemoryContextSwitchTo(s->rowcxt);

				s->rowcxt_used = true;
				/* beyond float8's range: +-Infinity or 0, never an error */
				x = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, d));
				MemoryContextSwitchTo(old);
			}
			break;
	}
	mlops_ds_profile_number(&c->profile, x);
}

/*
 * A copy of a float4[] or float8[] (elem) in the current context with every
 * NaN element in the canonical form: the same array after a dump and
 * restore (where 'NaN' is read back) hashes alike.
 */
static ArrayType *
canonical_float_array(Datum d, Oid elem)
{
	ArrayType  *a = DatumGetArrayTypePCopy(d);
	int			nitems = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	bits8	   *nulls = ARR_NULLBITMAP(a);
	int			n = 0,
				i;

	/* the non-NULL elements lie side by side, aligned, after the header */
	for (i = 0; i < nitems; i++)
		n += (nulls == NULL || (nulls[i / 8] & (1 << (i % 8))) != 0);
	if (elem == FLOAT8OID)
	{
		float8	   *v = (float8 *) ARR_DATA_PTR(a);

		for (i = 0; i < n; i++)
			if (isnan(v[i]))
				v[i] = get_float8_nan();
	}
	else
	{
		float4	   *v = (float4 *) ARR_DATA_PTR(a);

		for (i = 0; i < n; i++)
			if (isnan(v[i]))
				v[i] = get_float4_nan();
	}
	return a;
}

/* Append one non-null value's bytes; returns the new length. */
static size_t
append_value(DsScan *s, DsColumn *c, Datum d, size_t len)
{
	const char *p;
	size_t		n;
	char		fixed[8];
	uint32		nlen;
	MemoryContext old;

	switch (c->enc)
	{
		case ENC_BYVAL:
			n = c->len;
			if (n == 8)
			{
				uint64		v = pg_hton64((uint64) DatumGetInt64(d));

				memcpy(fixed, &v, 8);
			}
			else if (n == 4)
			{
				uint32		v = pg_hton32(DatumGetUInt32(d));

				memcpy(fixed, &v, 4);
			}
			else if (n == 2)
			{
				uint16		v = pg_hton16(DatumGetUInt16(d));

				memcpy(fixed, &v, 2);
			}
			else
				fixed[0] = DatumGetChar(d);
			p = fixed;
			break;
		case ENC_FLOAT4:
			{
				float4		f = DatumGetFloat4(d);
				uint32		v;

				if (isnan(f))
					f = get_float4_nan();
				memcpy(&v, &f, 4);
				v = pg_hton32(v);
				memcpy(fixed, &v, 4);
				p = fixed;
				n = 4;
			}
			break;
		case ENC_FLOAT8:
			{
				float8		f = DatumGetFloat8(d);
				uint64		v;

				if (isnan(f))
					f = get_float8_nan();
				memcpy(&v, &f, 8);
				v = pg_hton64(v);
				memcpy(fixed, &v, 8);
				p = fixed;
				n = 8;
			}
			break;
		case ENC_UUID:
			p = (const char *) DatumGetUUIDP(d)->data;
			n = UUID_LEN;
			break;
		case ENC_NAME:
			p = NameStr(*DatumGetName(d));
			n = strlen(p);
			break;
		case ENC_VARLENA:
			{
				struct varlena *v = (struct varlena *) DatumGetPointer(d);

				if (c->float_elem)
				{
					/* a float array: its NaNs canonical, as a float column's */
					old = row_alloc(s);
					v = (struct varlena *) canonical_float_array(d, c->float_elem);
					MemoryContextSwitchTo(old);
				}
				else if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
				{
					old = row_alloc(s);
					v = pg_detoast_datum_packed(v);
					MemoryContextSwitchTo(old);
				}
				p = VARDATA_ANY(v);
				n = VARSIZE_ANY_EXHDR(v);
			}
			break;
		case ENC_SEND:
			{
				bytea	   *b;

				old = row_alloc(s);
				b = SendFunctionCall(&c->proc, d);
				MemoryContextSwitchTo(old);
				p = VARDATA(b);
				n = VARSIZE(b) - VARHDRSZ;
			}
			break;
		default:
			old = row_alloc(s);
			p = OutputFunctionCall(&c->proc, d);
			MemoryContextSwitchTo(old);
			n = strlen(p);
			break;
	}
	/* variable-length values carry their length, so no two rows encode alike */
	if (c->enc >= ENC_VARLENA)
	{
		buf_reserve(s, len, 4 + n);
		nlen = pg_hton32((uint32) n);
		memcpy(s->buf + len, &nlen, 4);
		len += 4;
	}
	else
		buf_reserve(s, len, n);
	memcpy(s->buf + len, p, n);
	if (s->profile)
	{
		old = MemoryContextSwitchTo(s->cxt);
		profile_value(s, c, d, p, n);
		MemoryContextSwitchTo(old);
	}
	return len + n;
}

/* DestReceiver: hash (and profile) one row. */
static bool
ds_receive(TupleTableSlot *slot, DestReceiver *self)
{
	DsScan	   *s = (DsScan *) self;
	size_t		len = 0;
	int			i;
	XXH128_hash_t h;

	slot_getallattrs(slot);
	for (i = 0; i < s->ncols; i++)
	{
		DsColumn   *c = &s->cols[i];

		buf_reserve(s, len, 9);
		memcpy(s->buf + len, &c->tag, 8);
		len += 8;
		if (slot->tts_isnull[i])
		{
			s->buf[len++] = 0;
			c->profile.null_count++;
			continue;
		}
		s->buf[len++] = 1;
		len = append_value(s, c, slot->tts_values[i], len);
	}
	h = XXH3_128bits(s->buf, len);
	s->sum_lo += h.low64;
	s->sum_hi += h.high64 + (s->sum_lo < h.low64 ? 1 : 0);
	s->rows++;
	if (s->rowcxt_used)
	{
		MemoryContextReset(s->rowcxt);
		s->rowcxt_used = false;
	}
	if ((s->rows & 0xFFFF) == 0)
		CHECK_FOR_INTERRUPTS();
	return true;
}

/* DestReceiver: set up the columns from the result's row type. */
static void
ds_startup(DestReceiver *self, int operation, TupleDesc desc)
{
	DsScan	   *s = (DsScan *) self;
	int			i;
	MemoryContext old = MemoryContextSwitchTo(s->cxt);

	if (desc->natts != s->ncols)
		elog(ERROR, "mlops fingerprint: %d result columns for %d names", desc->natts, s->ncols);
	for (i = 0; i < s->ncols; i++)
	{
		DsColumn   *c = &s->cols[i];
		Oid			base;

		c->typid = TupleDescAttr(desc, i)->atttypid;
		c->tag = column_tag(i + 1, c->typid);
		column_encoding(c);
		if (!s->profile)
			continue;
		base = getBaseType(c->typid);
		mlops_ds_profile_init(&c->profile,
							  c->number != NUM_NONE ? DS_PROFILE_NUMERIC :
							  (base == TEXTOID || base == VARCHAROID || base == BPCHAROID) ? DS_PROFILE_TEXT :
							  DS_PROFILE_BASIC);
	}
	MemoryContextSwitchTo(old);
}

static void
ds_shutdown(DestReceiver *self)
{
}

static void
ds_destroy(DestReceiver *self)
{
}

/*
 * The columns to read: the given names (each must exist, once) or every
 * column of the relation in order. Checks the relation's kind.
 */
static void
resolve_columns(Oid relid, ArrayType *names, DsScan *s, char **relname_out)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	char		kind = rel->rd_rel->relkind;
	char	   *qualified = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
													   RelationGetRelationName(rel));
	int			i,
				j;

	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE && kind != RELKIND_VIEW &&
		kind != RELKIND_MATVIEW && kind != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table, view, materialized view or foreign table", qualified)));
	if (names == NULL)
	{
		s->cols = palloc0(sizeof(DsColumn) * Max(desc->natts, 1));
		for (i = 0; i < desc->natts; i++)
			if (!TupleDescAttr(desc, i)->attisdropped)
				s->cols[s->ncols++].name = pstrdup(NameStr(TupleDescAttr(desc, i)->attname));
	}
	else
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		if (ARR_NDIM(names) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("columns of \"%s\" must be a one-dimensional array", qualified)));
		deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		if (n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("columns of \"%s\" must not be empty", qualified),
					 errhint("Pass NULL for every column.")));
		s->cols = palloc0(sizeof(DsColumn) * n);
		for (i = 0; i < n; i++)
		{
			char	   *name;
			AttrNumber	att;

			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("column names of \"%s\" must not be null", qualified)));
			name = TextDatumGetCString(elems[i]);
			att = get_attnum(relid, name);
			if (att <= 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("column \"%s\" of relation \"%s\" does not exist", name, qualified)));
			for (j = 0; j < s->ncols; j++)
				if (strcmp(s->cols[j].name, name) == 0)
					ereport(ERROR,
							(errcode(ERRCODE_DUPLICATE_COLUMN),
							 errmsg("column \"%s\" of relation \"%s\" is named twice", name, qualified)));
			s->cols[s->ncols++].name = name;
		}
	}
	relation_close(rel, NoLock);
	*relname_out = qualified;
}

/*
 * Settings that change the text output of values: composites, ranges, enums
 * in arrays and the like are hashed (and profiled) from their text, so the
 * scan runs with these fixed (a GUC nest level, undone afterwards and on
 * error). Otherwise the same rows would fingerprint differently in a session
 * with another TimeZone, DateStyle or extra_float_digits.
 */
static const char *const ds_output_settings[][2] = {
	{"TimeZone", "UTC"},
	{"DateStyle", "ISO, MDY"},
	{"IntervalStyle", "postgres"},
	{"extra_float_digits", "1"},
	{"bytea_output", "hex"},
	{"lc_monetary", "C"},
	{"xmlbinary", "base64"},
};

/* Read the relation once as the caller, hashing (and profiling) every row. */
static void
ds_scan(Oid relid, ArrayType *names, bool profile, bool read_only, DsScan *s, char **relname)
{
	StringInfoData sql;
	SPIExecuteOptions opts;
	int			i,
				rc,
				nest;

	memset(s, 0, sizeof(*s));
	s->profile = profile;
	resolve_columns(relid, names, s, relname);
	s->pub.receiveSlot = ds_receive;
	s->pub.rStartup = ds_startup;
	s->pub.rShutdown = ds_shutdown;
	s->pub.rDestroy = ds_destroy;
	s->pub.mydest = DestNone;
	s->cap = 1024;
	s->buf = palloc(s->cap);
	s->cxt = CurrentMemoryContext;
	s->rowcxt = AllocSetContextCreate(CurrentMemoryContext, "mlops fingerprint row", ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	for (i = 0; i < s->ncols; i++)
		appendStringInfo(&sql, "%s%s", i ? ", " : "", quote_identifier(s->cols[i].name));
	appendStringInfo(&sql, " FROM %s", *relname);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	nest = NewGUCNestLevel();
	for (i = 0; i < lengthof(ds_output_settings); i++)
		(void) set_config_option(ds_output_settings[i][0], ds_output_settings[i][1], PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	memset(&opts, 0, sizeof(opts));
	opts.read_only = read_only;
	opts.dest = &s->pub;
	rc = SPI_execute_extended(sql.data, &opts);
	if (rc < 0)
		elog(ERROR, "mlops fingerprint: SPI_execute_extended failed: %s", SPI_result_code_string(rc));
	AtEOXact_GUC(true, nest);
	SPI_finish();
	MemoryContextDelete(s->rowcxt);
}

/* The 32 hex digits of the sum. */
static text *
ds_fingerprint_text(DsScan *s)
{
	char		hex[33];

	snprintf(hex, sizeof(hex), "%016" INT64_MODIFIER "x%016" INT64_MODIFIER "x", s->sum_hi, s->sum_lo);
	return cstring_to_text(hex);
}

PG_FUNCTION_INFO_V1(mlops_table_fingerprint);

/* mlops.table_fingerprint(source regclass, columns text[] default null) → text */
Datum
mlops_table_fingerprint(PG_FUNCTION_ARGS)
{
	DsScan		s;
	char	   *relname;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	ds_scan(PG_GETARG_OID(0), PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1), false, true, &s, &relname);
	PG_RETURN_TEXT_P(ds_fingerprint_text(&s));
}

PG_FUNCTION_INFO_V1(mlops_snapshot_scan);

/*
 * mlops._snapshot_scan(source regclass, columns text[]): one row per column
 * (ordinal, name, type, null count, distinct estimate, sketch, histogram,
 * top values) with the relation's name, fingerprint and row count.
 */
Datum
mlops_snapshot_scan(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	DsScan		s;
	char	   *relname;
	text	   *fp;
	int			i;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source must not be null")));
	InitMaterializedSRF(fcinfo, 0);
	ds_scan(PG_GETARG_OID(0), PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1), true, false, &s, &relname);
	fp = ds_fingerprint_text(&s);
	for (i = 0; i < s.ncols; i++)
	{
		DsColumn   *c = &s.cols[i];
		Datum		v[11];
		bool		n[11] = {0};

		v[0] = Int32GetDatum(i + 1);
		v[1] = CStringGetTextDatum(c->name);
		v[2] = CStringGetTextDatum(c->typid < FirstNormalObjectId ? format_type_be(c->typid)
								   : format_type_be_qualified(c->typid));
		v[3] = Int64GetDatum(c->profile.null_count);
		v[4] = Int64GetDatum(mlops_ds_profile_distinct(&c->profile));
		v[5] = mlops_ds_profile_sketch(&c->profile, &n[5]);
		v[6] = mlops_ds_profile_histogram(&c->profile, DS_HIST_BINS, &n[6]);
		v[7] = mlops_ds_profile_top_values(&c->profile, DS_TOP_VALUES, &n[7]);
		v[8] = CStringGetTextDatum(relname);
		v[9] = PointerGetDatum(fp);
		v[10] = Int64GetDatum(s.rows);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	}
	return (Datum) 0;
}
