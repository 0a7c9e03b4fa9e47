/*
 * search.c: mlops.search_runs(), search_experiments(), search_model_versions()
 * and the MLflow filter grammar they share.
 *
 *   filter  := or_expr
 *   or_expr := and_expr { OR and_expr }
 *   and_expr:= primary { AND primary }
 *   primary := '(' or_expr ')' | field comparator value
 *            | field [NOT] IN '(' value { ',' value } ')' | field IS [NOT] NULL
 *   field   := prefix '.' key | prefix '.' `quoted key` | prefix '.' "quoted key"
 *            | `prefix` '.' key ... | attribute name | `attribute name`
 *   prefix  := metric(s) | param(s) | parameter(s) | tag(s) | attribute(s) | attr
 *            | run | dataset(s)
 *   comparator := = | != | <> | < | <= | > | >= | LIKE | ILIKE
 *   order_by:= field [ASC | DESC] { ',' field [ASC | DESC] }
 *
 * number  := [+|-] digits [. digits] [(e|E) [+|-] digits]  (or starting with .)
 *
 * Each search names an entity (SearchEntity): its table, its attributes and
 * the prefixes its fields may use; runs have metrics, params, tags (rows)
 * and datasets (their inputs), experiments and model versions tags (a jsonb
 * column). The same parser serves all three.
 *
 * The filter is translated into SQL text with $n parameters: keys and values
 * are always bound parameters; only fixed column names of mlops tables are
 * ever written into the query. A syntax error reports its 1-based position.
 *
 * Each filter and order_by is written in two forms, and the search uses one
 * by the number of metric, param and tag fields it names (see part_form):
 * with one subquery per field, or with lookups in jsonb maps of each run's
 * params, tags and latest metrics, read once per run. Subqueries give the
 * fastest plans over many runs but cost planning time; maps cost a little
 * time per run and term, and their planning is linear in the terms.
 *
 * Pages: search_runs with a page_token continues after the last run of the
 * previous page by its sort keys (a keyset, not an OFFSET: runs inserted or
 * removed meanwhile shift nothing). The token is opaque: base64 of a small
 * versioned text holding a hash of the query it belongs to and the sort key
 * values of the last run returned.
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/base64.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "common/spi_owner.h"
#include "tracking/search.h"

typedef enum TokKind
{
	T_END, T_WORD, T_STRING, T_QUOTED_IDENT, T_NUMBER, T_OP, T_LPAREN, T_RPAREN, T_COMMA
} TokKind;

/* One token: its kind, text and byte offset in the input. */
typedef struct Token
{
	TokKind		kind;
	char	   *text;
	int			pos;
} Token;

typedef enum FieldKind
{
	F_METRIC, F_PARAM, F_TAG, F_ATTR, F_DATASET
} FieldKind;

typedef enum AttrType
{
	A_TEXT, A_UUID, A_TIME, A_INT
} AttrType;

/* An attribute that filters and order_by may name. */
typedef struct AttrDef
{
	const char *name;
	const char *column;
	AttrType	type;
	Oid			sqltype;		/* the type of column (a sort key's type) */
} AttrDef;

/*
 * Run attributes, with MLflow's aliases ("run name", "created"); names are
 * matched case-insensitively.
 */
static const AttrDef run_attrs[] = {
	{"run_id", "r.id", A_UUID, UUIDOID},
	{"id", "r.id", A_UUID, UUIDOID},
	{"run_name", "r.name", A_TEXT, TEXTOID},
	{"run name", "r.name", A_TEXT, TEXTOID},
	{"name", "r.name", A_TEXT, TEXTOID},
	{"status", "r.status", A_TEXT, TEXTOID},
	{"user_id", "r.created_by::pg_catalog.text", A_TEXT, TEXTOID},
	{"created_by", "r.created_by::pg_catalog.text", A_TEXT, TEXTOID},
	{"start_time", "r.start_time", A_TIME, TIMESTAMPTZOID},
	{"created", "r.start_time", A_TIME, TIMESTAMPTZOID},
	{"end_time", "r.end_time", A_TIME, TIMESTAMPTZOID},
	{"parent_run_id", "r.parent_run_id", A_UUID, UUIDOID},
	{"experiment_id", "r.experiment_id", A_INT, INT8OID},
	{"artifact_uri", "r.artifact_uri", A_TEXT, TEXTOID},
	{"lifecycle_stage", "r.lifecycle_stage", A_TEXT, TEXTOID},
	{"deleted_time", "r.deleted_time", A_TIME, TIMESTAMPTZOID},
	{NULL, NULL, A_TEXT, InvalidOid}
};

/* Experiment attributes (MLflow's names, and mlops' column names). */
static const AttrDef experiment_attrs[] = {
	{"name", "e.name", A_TEXT, TEXTOID},
	{"experiment_id", "e.id", A_INT, INT8OID},
	{"id", "e.id", A_INT, INT8OID},
	{"creation_time", "e.created_at", A_TIME, TIMESTAMPTZOID},
	{"created_at", "e.created_at", A_TIME, TIMESTAMPTZOID},
	{"created_by", "e.created_by::pg_catalog.text", A_TEXT, TEXTOID},
	{"last_update_time", "e.last_update_time", A_TIME, TIMESTAMPTZOID},
	{"lifecycle_stage", "e.lifecycle_stage", A_TEXT, TEXTOID},
	{"deleted_time", "e.deleted_time", A_TIME, TIMESTAMPTZOID},
	{NULL, NULL, A_TEXT, InvalidOid}
};

/*
 * Model version attributes (MLflow's names, and mlops' column names); a
 * version's source_path is its source, or its artifact_uri when it was
 * registered without one.
 */
static const AttrDef model_version_attrs[] = {
	{"name", "rm.name", A_TEXT, TEXTOID},
	{"version_number", "mv.version", A_INT, INT4OID},
	{"version", "mv.version", A_INT, INT4OID},
	{"run_id", "mv.run_id", A_UUID, UUIDOID},
	{"source_path", "COALESCE(mv.source, mv.artifact_uri)", A_TEXT, TEXTOID},
	{"source", "COALESCE(mv.source, mv.artifact_uri)", A_TEXT, TEXTOID},
	{"run_link", "mv.run_link", A_TEXT, TEXTOID},
	{"creation_timestamp", "mv.created_at", A_TIME, TIMESTAMPTZOID},
	{"created_at", "mv.created_at", A_TIME, TIMESTAMPTZOID},
	{"last_updated_timestamp", "mv.last_updated_at", A_TIME, TIMESTAMPTZOID},
	{"last_updated_at", "mv.last_updated_at", A_TIME, TIMESTAMPTZOID},
	{"current_stage", "mv.stage", A_TEXT, TEXTOID},
	{"stage", "mv.stage", A_TEXT, TEXTOID},
	{"artifact_uri", "mv.artifact_uri", A_TEXT, TEXTOID},
	{"created_by", "mv.created_by::pg_catalog.text", A_TEXT, TEXTOID},
	{NULL, NULL, A_TEXT, InvalidOid}
};

/* A sort key that makes an entity's order total, after the order_by keys. */
typedef struct TieKey
{
	const char *column;
	bool		desc;
	Oid			type;
} TieKey;

/* What a search looks through, and the fields its filter may name. */
typedef struct SearchEntity
{
	const char *function;		/* the search function, for messages */
	const char *table;			/* the table whose rows it returns */
	const char *from;			/* FROM list: the table as alias (and joins) */
	const char *alias;			/* the table's alias */
	const AttrDef *attrs;
	int			kinds;			/* bit (1 << FieldKind) of each kind of field */
	const char *tag_column;		/* tags in a jsonb column; NULL: rows of mlops.tags */
	const char *hint;			/* the fields, for "unknown field" */
	const char *ties_sql;		/* the tie keys as ORDER BY text */
	const TieKey *ties;
	int			nties;
} SearchEntity;

static const TieKey run_ties[] = {{"r.start_time", true, TIMESTAMPTZOID}, {"r.id", false, UUIDOID}};
static const TieKey experiment_ties[] = {{"e.id", true, INT8OID}};
static const TieKey model_version_ties[] = {{"rm.name", false, TEXTOID}, {"mv.version", true, INT4OID}};

/* Runs: ties by start time (newest first), then id, as MLflow. */
static const SearchEntity run_entity = {
	"search_runs", "mlops.runs", "mlops.runs r", "r", run_attrs,
	(1 << F_METRIC) | (1 << F_PARAM) | (1 << F_TAG) | (1 << F_ATTR) | (1 << F_DATASET), NULL,
	"Use metrics.<key>, params.<key>, tags.<key>, datasets.<name|digest|context> or attributes.<name> "
	"(run_id, run_name, status, user_id, start_time, end_time, parent_run_id, experiment_id, "
	"artifact_uri, lifecycle_stage, deleted_time).",
	"r.start_time DESC, r.id", run_ties, lengthof(run_ties)
};

/* Experiments: ties by id, highest first (MLflow's tie-break). */
static const SearchEntity experiment_entity = {
	"search_experiments", "mlops.experiments", "mlops.experiments e", "e", experiment_attrs,
	(1 << F_TAG) | (1 << F_ATTR), "e.tags",
	"Use tags.<key> or attributes.<name> (name, experiment_id, creation_time, last_update_time, "
	"lifecycle_stage, deleted_time, created_by).",
	"e.id DESC", experiment_ties, lengthof(experiment_ties)
};

/* Model versions: ties by model name, then version (highest first), as MLflow. */
static const SearchEntity model_version_entity = {
	"search_model_versions", "mlops.model_versions",
	"mlops.model_versions mv JOIN mlops.models rm ON rm.id OPERATOR(pg_catalog.=) mv.model_id", "mv",
	model_version_attrs, (1 << F_TAG) | (1 << F_ATTR), "mv.tags",
	"Use tags.<key> or attributes.<name> (name, version_number, run_id, source_path, run_link, "
	"creation_timestamp, last_updated_timestamp, current_stage, artifact_uri, created_by).",
	"rm.name, mv.version DESC", model_version_ties, lengthof(model_version_ties)
};

/* A parsed field reference. */
typedef struct Field
{
	FieldKind	kind;
	char	   *key;			/* metric/param/tag key, dataset field */
	const AttrDef *attr;		/* for F_ATTR */
	int			pos;
} Field;

/* One use of a metric, param or tag value in the per_map form. */
typedef struct KeyUse
{
	FieldKind	kind;
	bool		finite;			/* a metric read with NaN as missing */
	const char *key;
	int			param;			/* $n of the key */
	int			column;			/* its column of v, or 0: looked up in place */
} KeyUse;

/*
 * A filter or order_by in both of its forms: per_field with one subquery per
 * metric, param or tag field, per_map with lookups in the run's maps (each
 * key use written as "\x01<use number>\x02" until resolve_uses()).
 */
struct SearchPart
{
	StringInfoData per_field;
	StringInfoData per_map;
	int			fields;			/* metric, param and tag fields named */
	int			maps;			/* bit (1 << FieldKind) of each map per_map reads */
	char		prefix;			/* of its columns of v: 'f' (filter) or 'o' (order_by) */
	int			nuses;
	int			maxuses;
	KeyUse	   *uses;
	int			ncolumns;
	KeyUse	  **columns;		/* a use of each key read more than once */
	/* order_by: each sort key written as "\x03<expression>\x04 <direction>" */
	int			nkeys;
	int			maxkeys;
	Oid		   *keytypes;
	bool	   *keydesc;
};

/* Parser state over one input string. */
typedef struct Parser
{
	const char *input;
	const char *what;			/* "filter" or "order_by" */
	const SearchEntity *entity;
	int			off;
	Token		tok;			/* current token */
	SearchPart *out;
	SearchParams *params;
	int			depth;			/* open parentheses around the current token */
	int			terms;			/* comparisons parsed so far */
} Parser;

/* Deepest parenthesis nesting a filter may use. */
#define MAX_FILTER_DEPTH 100

/*
 * Size limits of one search (each refused with SQLSTATE 54000 and the
 * position where the limit is crossed), and of max_results (22023).
 */
#define MAX_FILTER_BYTES	65536	/* filter and order_by text */
#define MAX_FILTER_TERMS	1000	/* comparisons in a filter */
#define MAX_IN_ITEMS		1000	/* values in one IN list */
#define MAX_ORDER_KEYS		10		/* order_by keys */
#define MAX_RESULTS			50000

/*
 * The forms of a search part (and of a filter's condition) by its fields.
 * Up to MAX_JOINED_FIELDS: one subquery per field, where the planner may
 * turn AND-ed EXISTS into joins driven by the key/value indexes (planning
 * those joins grows exponentially: about 1 s at 8 fields on a small
 * machine). Up to MAX_SUBPLAN_FIELDS, for a filter: the same subqueries,
 * kept from those joins (each EXISTS a subplan, hashed or run per run,
 * planned in linear time, about 1-2 ms each). Beyond: lookups in maps.
 */
#define MAX_JOINED_FIELDS	4
#define MAX_SUBPLAN_FIELDS	32

typedef enum PartForm
{
	FORM_JOINED, FORM_SUBPLANS, FORM_MAPS
} PartForm;

/* The tables of metric, param and tag fields, and the run's maps of them. */
static const struct
{
	const char *table;
	const char *map;			/* the relation holding the run's map */
	const char *value;			/* the value a map holds for a key */
}			kinds[] = {
	[F_METRIC] = {"latest_metrics", "m", "x.value::pg_catalog.text"},
	[F_PARAM] = {"params", "p", "x.value"},
	[F_TAG] = {"tags", "t", "x.value"},
};

/* Raise a syntax error at a byte offset, with a caret under the input. */
static void
syntax_error(Parser *p, int byteoff, const char *msg)
{
	int			charpos = pg_mbstrlen_with_len(p->input, byteoff) + 1;

	const char *rest = p->input + byteoff;

	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("syntax error in %s at position %d: %s", p->what, charpos, msg),
			 *rest ? errdetail("At or near \"%.*s\".", pg_mbcliplen(rest, strlen(rest), 20), rest)
			 : errdetail("At the end of the %s.", p->what)));
}

/*
 * Raise "limit exceeded" (54000): subject (e.g. "filter") has more than
 * limit items (e.g. "terms"); the first one too many is at byteoff.
 */
static void
limit_error(Parser *p, int byteoff, const char *subject, const char *items, int limit)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("%s has more than %d %s (at position %d of the %s)",
					subject, limit, items, pg_mbstrlen_with_len(p->input, byteoff) + 1, p->what),
			 errhint("Split the search into several calls, or filter on fewer values.")));
}

/* Refuse a filter or order_by longer than MAX_FILTER_BYTES (before parsing it). */
static void
check_input_length(const char *what, const char *input)
{
	size_t		len = strlen(input);

	if (len > MAX_FILTER_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s is too long (%zu bytes, at most %d)", what, len, MAX_FILTER_BYTES),
				 errhint("Split the search into several calls, or filter on fewer values.")));
}

/* Whether c may appear in an unquoted word (keys may contain dots and slashes). */
static bool
word_char(char c)
{
	return isalnum((unsigned char) c) || c == '_' || c == '.' || c == '/' ||
		c == ':' || IS_HIGHBIT_SET(c);
}

/* Read a quoted string or identifier starting at p->off; q is the quote. */
static char *
read_quoted(Parser *p, char q)
{
	StringInfoData buf;
	int			start = p->off;
	const char *s = p->input;

	initStringInfo(&buf);
	p->off++;
	for (;;)
	{
		if (s[p->off] == '\0')
			syntax_error(p, start, q == '`' ? "unterminated quoted key" : "unterminated string");
		if (s[p->off] == q)
		{
			if (s[p->off + 1] == q) /* doubled quote is a literal quote */
			{
				appendStringInfoChar(&buf, q);
				p->off += 2;
				continue;
			}
			p->off++;
			break;
		}
		if (s[p->off] == '\\' && q != '`' && s[p->off + 1] == q)
			p->off++;			/* backslash-escaped quote */
		appendStringInfoChar(&buf, s[p->off++]);
	}
	return buf.data;
}

/*
 * Read a back-quoted name at p->off: `name`, or a field with a back-quoted
 * prefix, `prefix`.key, `prefix`.`key` or `prefix`."key", written as one
 * field token ("prefix.\x01key", as prefix.`key`).
 */
static char *
read_backquoted(Parser *p)
{
	const char *s = p->input;
	char	   *name = read_quoted(p, '`');
	char	   *key;
	int			k;

	if (s[p->off] != '.')
		return name;
	p->off++;
	if (s[p->off] == '`' || s[p->off] == '"')
		key = read_quoted(p, s[p->off]);
	else
	{
		for (k = p->off; word_char(s[p->off]); p->off++)
			;
		if (p->off == k)
			syntax_error(p, p->off, "expected a key after the dot");
		key = pnstrdup(s + k, p->off - k);
	}
	return psprintf("%s.%c%s", name, '\x01', key);
}

/* Whether a number starts at offset i (the sign belongs to the number). */
static bool
number_starts(const char *s, int i)
{
	if (isdigit((unsigned char) s[i]))
		return true;
	if (s[i] == '.' && isdigit((unsigned char) s[i + 1]))
		return true;
	if ((s[i] == '-' || s[i] == '+') &&
		(isdigit((unsigned char) s[i + 1]) || (s[i + 1] == '.' && isdigit((unsigned char) s[i + 2]))))
		return true;
	return false;
}

/* Advance to the next token. */
static void
next_token(Parser *p)
{
	const char *s = p->input;
	int			start;

	CHECK_FOR_INTERRUPTS();
	while (isspace((unsigned char) s[p->off]))
		p->off++;
	start = p->off;
	p->tok.pos = start;
	p->tok.text = NULL;
	if (s[start] == '\0')
		p->tok.kind = T_END;
	else if (s[start] == '(' || s[start] == ')' || s[start] == ',')
	{
		p->tok.kind = s[start] == '(' ? T_LPAREN : s[start] == ')' ? T_RPAREN : T_COMMA;
		p->off++;
	}
	else if (s[start] == '\'' || s[start] == '"')
	{
		p->tok.kind = T_STRING;
		p->tok.text = read_quoted(p, s[start]);
	}
	else if (s[start] == '`')
	{
		p->tok.kind = T_QUOTED_IDENT;
		p->tok.text = read_backquoted(p);
	}
	else if (number_starts(s, start))
	{
		/* decimal only: 0x10, 1e, 1.2.3 or 5abc end in a word character */
		int			i = start;

		if (s[i] == '+' || s[i] == '-')
			i++;
		while (isdigit((unsigned char) s[i]))
			i++;
		if (s[i] == '.')
			for (i++; isdigit((unsigned char) s[i]); i++)
				;
		if (s[i] == 'e' || s[i] == 'E')
		{
			int			e = i + 1;

			if (s[e] == '+' || s[e] == '-')
				e++;
			if (isdigit((unsigned char) s[e]))
			{
				while (isdigit((unsigned char) s[e]))
					e++;
				i = e;
			}
		}
		p->off = i;
		if (word_char(s[i]))
			syntax_error(p, start, "invalid number");
		p->tok.kind = T_NUMBER;
		p->tok.text = pnstrdup(s + start, i - start);
	}
	else if (strchr("=!<>", s[start]))
	{
		p->tok.kind = T_OP;
		p->off++;
		if ((s[start] == '!' || s[start] == '<' || s[start] == '>') && s[p->off] == '=')
			p->off++;
		else if (s[start] == '<' && s[p->off] == '>')
			p->off++;
		else if (s[start] == '=' && s[p->off] == '=')
			p->off++;			/* == is accepted as = */
		else if (s[start] == '!')
			syntax_error(p, start, "expected !=");
		p->tok.text = pnstrdup(s + start, p->off - start);
	}
	else if (word_char(s[start]))
	{
		p->tok.kind = T_WORD;
		while (word_char(s[p->off]))
			p->off++;
		p->tok.text = pnstrdup(s + start, p->off - start);
		/* prefix.`quoted key` or prefix."quoted key": one field token */
		if (p->off > start && s[p->off - 1] == '.' && (s[p->off] == '`' || s[p->off] == '"'))
		{
			char	   *key = read_quoted(p, s[p->off]);

			p->tok.kind = T_QUOTED_IDENT;
			p->tok.text = psprintf("%s%c%s", pnstrdup(s + start, strlen(p->tok.text)), '\x01', key);
		}
	}
	else
		syntax_error(p, start, psprintf("unexpected character \"%c\"", s[start]));
}

/* Whether the current token is the keyword kw (case-insensitive). */
static bool
at_keyword(Parser *p, const char *kw)
{
	return p->tok.kind == T_WORD && pg_strcasecmp(p->tok.text, kw) == 0;
}

/* Look up an attribute of the entity by name (case-insensitive). */
static const AttrDef *
find_attr(Parser *p, const char *name)
{
	const AttrDef *a;

	for (a = p->entity->attrs; a->name; a++)
		if (pg_strcasecmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* Map a field prefix to its kind; false when unknown or not one of the entity's. */
static bool
prefix_kind(Parser *p, const char *prefix, FieldKind *kind)
{
	static const struct
	{
		const char *name;
		FieldKind	kind;
	}			prefixes[] = {
		{"metric", F_METRIC}, {"metrics", F_METRIC},
		{"param", F_PARAM}, {"params", F_PARAM}, {"parameter", F_PARAM}, {"parameters", F_PARAM},
		{"tag", F_TAG}, {"tags", F_TAG},
		{"attribute", F_ATTR}, {"attributes", F_ATTR}, {"attr", F_ATTR}, {"run", F_ATTR},
		{"dataset", F_DATASET}, {"datasets", F_DATASET},
	};
	int			i;

	for (i = 0; i < lengthof(prefixes); i++)
		if (pg_strcasecmp(prefixes[i].name, prefix) == 0)
		{
			*kind = prefixes[i].kind;
			return (p->entity->kinds & (1 << *kind)) != 0;
		}
	return false;
}

/* Raise "unknown field" (42703) for a filter or order_by. */
static void
unknown_field(Parser *p, const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("unknown %s field \"%s\"", p->what, name),
			 errhint("%s", p->entity->hint)));
}

/* Whether a dataset field name is one MLflow searches: name, digest, context. */
static bool
dataset_key(const char *key)
{
	return strcmp(key, "name") == 0 || strcmp(key, "digest") == 0 || strcmp(key, "context") == 0;
}

/*
 * Parse a field reference at the current token. A quoted name without a
 * prefix (`Run name`) names an attribute, as in MLflow.
 */
static Field
parse_field(Parser *p)
{
	Field		f;
	char	   *text = p->tok.text;
	char	   *sep;
	char	   *prefix;

	f.pos = p->tok.pos;
	f.key = NULL;
	f.attr = NULL;
	if (p->tok.kind != T_WORD && p->tok.kind != T_QUOTED_IDENT)
		syntax_error(p, p->tok.pos, "expected a field such as metrics.<key>, params.<key>, tags.<key> or attributes.<name>");
	if (p->tok.kind == T_QUOTED_IDENT && (sep = strchr(text, '\x01')) != NULL)
	{
		*sep = '\0';
		prefix = pnstrdup(text, strlen(text) - 1);	/* drop the trailing dot */
		f.key = sep + 1;
	}
	else if (p->tok.kind == T_QUOTED_IDENT)
	{
		prefix = NULL;
		f.key = text;
	}
	else if ((sep = strchr(text, '.')) != NULL)
	{
		prefix = pnstrdup(text, sep - text);
		f.key = sep + 1;
		if (*f.key == '\0')
			syntax_error(p, p->off, "expected a key after the dot");
	}
	else
	{
		prefix = NULL;
		f.key = text;
	}
	if (prefix == NULL)
		f.kind = F_ATTR;
	else if (!prefix_kind(p, prefix, &f.kind))
		unknown_field(p, psprintf("%s.%s", prefix, f.key));
	if (f.kind == F_ATTR)
	{
		f.attr = find_attr(p, f.key);
		if (f.attr == NULL)
			unknown_field(p, prefix ? psprintf("%s.%s", prefix, f.key) : f.key);
	}
	else if (f.kind == F_DATASET && !dataset_key(f.key))
		unknown_field(p, psprintf("%s.%s", prefix, f.key));
	next_token(p);
	return f;
}

/* Whether a field reads a column of the row (an attribute, or a tag of a jsonb column). */
static bool
column_field(Parser *p, Field *f)
{
	return f->kind == F_ATTR || (f->kind == F_TAG && p->entity->tag_column);
}

/* Add a query parameter and return its number. */
static int
add_param(SearchParams *sp, Oid type, Datum value)
{
	if (sp->n == sp->cap)
	{
		sp->cap = sp->cap ? sp->cap * 2 : 8;
		sp->types = sp->types ? repalloc(sp->types, sizeof(Oid) * sp->cap) : palloc(sizeof(Oid) * sp->cap);
		sp->values = sp->values ? repalloc(sp->values, sizeof(Datum) * sp->cap) : palloc(sizeof(Datum) * sp->cap);
	}
	sp->types[sp->n] = type;
	sp->values[sp->n] = value;
	return ++sp->n;
}

/* The value of the number token t: finite, or a syntax error at its position. */
static float8
token_float(Parser *p, Token *t)
{
	float8		v;

	errno = 0;
	v = strtod(t->text, NULL);
	/* as float8in: overflow, and underflow to zero, are out of range */
	if (isinf(v) || (errno == ERANGE && v == 0.0))
		syntax_error(p, t->pos, "number out of range for double precision");
	return v;
}

/* Whether t is a word MLflow does not take for a number: NaN, Inf, Infinity. */
static bool
nonfinite_word(Token *t)
{
	return t->kind == T_WORD && (pg_strcasecmp(t->text, "NaN") == 0 ||
								 pg_strcasecmp(t->text, "Inf") == 0 ||
								 pg_strcasecmp(t->text, "Infinity") == 0);
}

/*
 * A time given as milliseconds since the Unix epoch, converted as
 * to_timestamp() does; out of range is 22008 naming the number as written.
 */
static TimestampTz
token_time(Parser *p, Token *t)
{
	float8		seconds = token_float(p, t) / 1000.0;
	TimestampTz result = 0;
	bool		valid;

	valid = seconds >= (float8) SECS_PER_DAY * (DATETIME_MIN_JULIAN - UNIX_EPOCH_JDATE) &&
		seconds < (float8) SECS_PER_DAY * (TIMESTAMP_END_JULIAN - UNIX_EPOCH_JDATE);
	if (valid)
	{
		seconds -= ((POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY);
		result = (TimestampTz) rint(seconds * USECS_PER_SEC);
		valid = IS_VALID_TIMESTAMP(result);
	}
	if (!valid)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("time %s is out of range (at position %d of the %s)",
						t->text, pg_mbstrlen_with_len(p->input, t->pos) + 1, p->what),
				 errhint("Times are milliseconds since 1970-01-01 00:00 UTC, or quoted timestamps, "
						 "from 4714 BC to 294276 AD.")));
	return result;
}

/* The value of a hex digit. */
static int
hexval_char(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return (c | 0x20) - 'a' + 10;
}

/*
 * The uuid a run id literal spells, as uuid_in reads it (32 hex digits,
 * optionally in braces, a hyphen allowed after any group of four); NULL when
 * it is not one: a malformed run id matches no run, as in MLflow, where run
 * ids are plain strings.
 */
static pg_uuid_t *
parse_run_id(const char *s)
{
	pg_uuid_t  *u = palloc(sizeof(pg_uuid_t));
	bool		braces = (*s == '{');
	int			i;

	if (braces)
		s++;
	for (i = 0; i < UUID_LEN; i++)
	{
		if (!isxdigit((unsigned char) s[0]) || !isxdigit((unsigned char) s[1]))
			return NULL;
		u->data[i] = (unsigned char) ((hexval_char(s[0]) << 4) | hexval_char(s[1]));
		s += 2;
		if (s[0] == '-' && i % 2 == 1 && i < UUID_LEN - 1)
			s++;
	}
	if (braces && *s++ != '}')
		return NULL;
	return *s == '\0' ? u : NULL;
}

/* The integer a number token spells; a syntax error unless it is one. */
static int64
token_int(Parser *p, Token *t)
{
	char	   *end;
	long long	v;

	errno = 0;
	v = strtoll(t->text, &end, 10);
	if (*end != '\0')
		syntax_error(p, t->pos, "expected an integer");
	if (errno == ERANGE)
		syntax_error(p, t->pos, "integer out of range");
	return (int64) v;
}

/*
 * Convert a literal to the Datum a field compares with; errors at its
 * position. as_text: compare a run id as text (LIKE). *valid is false for a
 * malformed run id (which matches nothing).
 */
static Datum
literal_datum(Parser *p, Field *f, Oid *type, bool as_text, bool *valid)
{
	Token	   *t = &p->tok;

	*valid = true;
	if (f->kind == F_METRIC)
	{
		if (nonfinite_word(t))
			syntax_error(p, t->pos, "metrics compare with a finite number, not NaN or Infinity");
		if (t->kind != T_NUMBER)
			syntax_error(p, t->pos, "metrics compare with a number");
		*type = FLOAT8OID;
		return Float8GetDatum(token_float(p, t));
	}
	if (f->kind != F_ATTR || f->attr->type == A_TEXT || as_text)
	{
		if (t->kind != T_STRING)
			syntax_error(p, t->pos, "expected a quoted string such as 'value'");
		*type = TEXTOID;
		return CStringGetTextDatum(t->text);
	}
	if (f->attr->type == A_UUID)
	{
		pg_uuid_t  *u;

		if (t->kind != T_STRING)
			syntax_error(p, t->pos, "expected a quoted run id");
		*type = UUIDOID;
		u = parse_run_id(t->text);
		*valid = (u != NULL);
		return u ? UUIDPGetDatum(u) : CStringGetTextDatum(t->text);
	}
	if (f->attr->type == A_INT)
	{
		if (t->kind != T_NUMBER)
			syntax_error(p, t->pos, "expected an integer");
		*type = INT8OID;
		return Int64GetDatum(token_int(p, t));
	}
	*type = TIMESTAMPTZOID;
	if (t->kind == T_NUMBER)	/* MLflow: milliseconds since the epoch */
		return TimestampTzGetDatum(token_time(p, t));
	if (nonfinite_word(t))
		syntax_error(p, t->pos, "a time must be finite");
	if (t->kind != T_STRING)
		syntax_error(p, t->pos, "expected milliseconds since the epoch or a quoted timestamp");
	return DirectFunctionCall3(timestamptz_in, CStringGetDatum(t->text),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/* Whether a comparator token is LIKE or ILIKE. */
static bool
like_op(Token *op)
{
	return op->kind == T_WORD && (pg_strcasecmp(op->text, "LIKE") == 0 ||
								  pg_strcasecmp(op->text, "ILIKE") == 0);
}

/* The SQL operator for a comparator, checked against the field's kind. */
static const char *
comparator_sql(Parser *p, Field *f, Token *op)
{
	bool		ordered = (f->kind == F_METRIC) ||
		(f->kind == F_ATTR && (f->attr->type == A_TIME || f->attr->type == A_INT));
	bool		text_like = (f->kind == F_PARAM || f->kind == F_TAG || f->kind == F_DATASET ||
							 (f->kind == F_ATTR && (f->attr->type == A_TEXT || f->attr->type == A_UUID)));

	if (op->kind == T_OP)
	{
		if (strcmp(op->text, "=") == 0 || strcmp(op->text, "==") == 0)
			return "OPERATOR(pg_catalog.=)";
		if (strcmp(op->text, "!=") == 0 || strcmp(op->text, "<>") == 0)
			return "OPERATOR(pg_catalog.<>)";
		if (!ordered)
			syntax_error(p, op->pos, psprintf("comparator %s is not supported for this field; use =, !=, LIKE, ILIKE or IN", op->text));
		if (strcmp(op->text, "<") == 0)
			return "OPERATOR(pg_catalog.<)";
		if (strcmp(op->text, "<=") == 0)
			return "OPERATOR(pg_catalog.<=)";
		if (strcmp(op->text, ">") == 0)
			return "OPERATOR(pg_catalog.>)";
		if (strcmp(op->text, ">=") == 0)
			return "OPERATOR(pg_catalog.>=)";
	}
	else if (like_op(op))
	{
		if (!text_like)
			syntax_error(p, op->pos, psprintf("%s is only supported for params, tags, datasets and text attributes", op->text));
		return pg_strcasecmp(op->text, "LIKE") == 0 ? "OPERATOR(pg_catalog.~~)" : "OPERATOR(pg_catalog.~~*)";
	}
	syntax_error(p, op->pos, "expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, IS NULL)");
	return NULL;				/* keep compiler quiet */
}

/* Append text to both forms of the part being written. */
static void
emit(Parser *p, const char *text)
{
	appendStringInfoString(&p->out->per_field, text);
	appendStringInfoString(&p->out->per_map, text);
}

/* Count a metric, param or tag field, and add its key as a parameter. */
static int
key_param(Parser *p, Field *f)
{
	p->out->fields++;
	p->out->maps |= 1 << f->kind;
	return add_param(p->params, TEXTOID, CStringGetTextDatum(f->key));
}

/*
 * Write a use of the value of key $k in per_map: the run's metric (float8;
 * finite: NaN reads as missing), param or tag.
 */
static void
append_use(Parser *p, Field *f, int k, bool finite)
{
	SearchPart *out = p->out;
	KeyUse	   *use;

	if (out->nuses == out->maxuses)
	{
		out->maxuses = out->maxuses ? out->maxuses * 2 : 16;
		out->uses = out->uses ? repalloc(out->uses, sizeof(KeyUse) * out->maxuses)
			: palloc(sizeof(KeyUse) * out->maxuses);
	}
	use = &out->uses[out->nuses];
	use->kind = f->kind;
	use->finite = finite;
	use->key = f->key;
	use->param = k;
	use->column = 0;
	appendStringInfo(&out->per_map, "\x01%d\x02", out->nuses++);
}

/*
 * The SQL value of a column field: the attribute's column (as text: a run
 * id compared with LIKE), or a tag read from the entity's jsonb column.
 */
static char *
column_sql(Parser *p, Field *f, bool as_text)
{
	if (f->kind == F_TAG)
		return psprintf("(%s OPERATOR(pg_catalog.->>) $%d)", p->entity->tag_column,
						add_param(p->params, TEXTOID, CStringGetTextDatum(f->key)));
	if (as_text && f->attr->type != A_TEXT)
		return psprintf("%s::pg_catalog.text", f->attr->column);
	return pstrdup(f->attr->column);
}

/*
 * The start of "some input of run r has a dataset field ...": the EXISTS
 * over its inputs up to the field's value, which the caller compares and
 * closes with ")". A dataset's digest is the first 8 hex digits of the
 * version's fingerprint (MLflow shows an 8-character digest). Counted as a
 * field: AND-ed EXISTS become joins, whose planning time grows with them.
 */
static void
append_dataset_open(Parser *p, Field *f)
{
	p->out->fields++;
	if (strcmp(f->key, "digest") == 0)
		emit(p, "EXISTS (SELECT 1 FROM mlops.run_inputs i JOIN mlops.datasets d "
			 "ON d.name OPERATOR(pg_catalog.=) i.dataset JOIN mlops.dataset_versions dv "
			 "ON dv.dataset_id OPERATOR(pg_catalog.=) d.id AND dv.version OPERATOR(pg_catalog.=) i.version "
			 "WHERE i.run_id OPERATOR(pg_catalog.=) r.id AND pg_catalog.left(dv.fingerprint, 8) ");
	else
		emit(p, psprintf("EXISTS (SELECT 1 FROM mlops.run_inputs i WHERE i.run_id OPERATOR(pg_catalog.=) r.id "
						 "AND i.%s ", strcmp(f->key, "name") == 0 ? "dataset" : "context"));
}

/*
 * Open a condition on field f in both forms, up to the comparison: the
 * column of an attribute, or the value of a metric, param or tag (per
 * field: in an EXISTS over its rows). nan_guard: NaN satisfies no ordered
 * comparison (PostgreSQL sorts it above +Infinity). The caller appends the
 * comparison and ")".
 */
static void
append_condition_open(Parser *p, Field *f, bool nan_guard, bool as_text)
{
	SearchPart *out = p->out;
	int			k;

	if (column_field(p, f))
	{
		emit(p, psprintf("(%s ", column_sql(p, f, as_text)));
		return;
	}
	if (f->kind == F_DATASET)
	{
		append_dataset_open(p, f);
		return;
	}
	k = key_param(p, f);
	appendStringInfo(&out->per_field,
					 "EXISTS (SELECT 1 FROM mlops.%s x WHERE x.run_id OPERATOR(pg_catalog.=) r.id "
					 "AND x.key OPERATOR(pg_catalog.=) $%d AND x.value ", kinds[f->kind].table, k);
	if (nan_guard)
		appendStringInfoString(&out->per_field,
							   "OPERATOR(pg_catalog.<>) 'NaN'::pg_catalog.float8 AND x.value ");
	appendStringInfoChar(&out->per_map, '(');
	append_use(p, f, k, nan_guard);
	appendStringInfoChar(&out->per_map, ' ');
}

/* The array type for a scalar literal type. */
static Oid
array_type_for(Oid t)
{
	return t == FLOAT8OID ? FLOAT8ARRAYOID : t == UUIDOID ? UUIDARRAYOID :
		t == TIMESTAMPTZOID ? TIMESTAMPTZARRAYOID : t == INT8OID ? INT8ARRAYOID : TEXTARRAYOID;
}

/*
 * A comparison with a malformed run id: = matches nothing, != every row
 * with the attribute set.
 */
static void
emit_bad_run_id(Parser *p, Field *f, const char *opsql)
{
	if (strcmp(opsql, "OPERATOR(pg_catalog.=)") == 0)
		emit(p, "(false)");
	else
		emit(p, psprintf("(%s IS NOT NULL)", f->attr->column));
}

/*
 * field [NOT] IN (v, ...): the list becomes one array parameter. Malformed
 * run ids are left out of it (they match nothing).
 */
static void
parse_in_list(Parser *p, Field *f, bool negated)
{
	Datum	   *elems = palloc(sizeof(Datum) * 8);
	int			n = 0,
				items = 0,
				cap = 8;
	Oid			type = TEXTOID;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			k;
	char	   *cmp;

	if (p->tok.kind != T_LPAREN)
		syntax_error(p, p->tok.pos, "expected ( after IN");
	next_token(p);
	for (;;)
	{
		bool		valid;
		Datum		d;

		if (items++ == MAX_IN_ITEMS)
			limit_error(p, p->tok.pos, "IN list", "values", MAX_IN_ITEMS);
		if (n == cap)
			elems = repalloc(elems, sizeof(Datum) * (cap *= 2));
		d = literal_datum(p, f, &type, false, &valid);
		if (valid)
			elems[n++] = d;
		next_token(p);
		if (p->tok.kind == T_RPAREN)
			break;
		if (p->tok.kind != T_COMMA)
			syntax_error(p, p->tok.pos, "expected , or ) in the IN list");
		next_token(p);
	}
	next_token(p);
	if (n == 0)
	{
		/* only malformed run ids: as one malformed id with = or != */
		emit_bad_run_id(p, f, negated ? "OPERATOR(pg_catalog.<>)" : "OPERATOR(pg_catalog.=)");
		return;
	}
	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	k = add_param(p->params, array_type_for(type),
				  PointerGetDatum(construct_array(elems, n, type, typlen, typbyval, typalign)));
	append_condition_open(p, f, false, false);
	/* NOT IN is "<> ALL" (for metrics/params/tags: has the key, value not listed) */
	cmp = psprintf(negated ? "OPERATOR(pg_catalog.<>) ALL ($%d))" :
				   "OPERATOR(pg_catalog.=) ANY ($%d))", k);
	emit(p, cmp);
}

/*
 * field IS [NOT] NULL: whether the run has the metric, param or tag (a NaN
 * metric is there), an attribute or tag is set, or (datasets) whether any
 * input of the run has the field.
 */
static void
parse_is_null(Parser *p, Field *f)
{
	bool		negated;
	int			k;

	next_token(p);
	negated = at_keyword(p, "NOT");
	if (negated)
		next_token(p);
	if (!at_keyword(p, "NULL"))
		syntax_error(p, p->tok.pos, negated ? "expected NULL after IS NOT" : "expected NULL or NOT NULL after IS");
	next_token(p);
	if (column_field(p, f))
	{
		emit(p, psprintf("(%s IS %sNULL)", column_sql(p, f, false), negated ? "NOT " : ""));
		return;
	}
	if (f->kind == F_DATASET)
	{
		emit(p, negated ? "" : "NOT ");
		append_dataset_open(p, f);
		emit(p, "IS NOT NULL)");
		return;
	}
	k = key_param(p, f);
	appendStringInfo(&p->out->per_field,
					 "%sEXISTS (SELECT 1 FROM mlops.%s x WHERE x.run_id OPERATOR(pg_catalog.=) r.id "
					 "AND x.key OPERATOR(pg_catalog.=) $%d)", negated ? "" : "NOT ", kinds[f->kind].table, k);
	appendStringInfoChar(&p->out->per_map, '(');
	append_use(p, f, k, false);
	appendStringInfo(&p->out->per_map, " IS %sNULL)", negated ? "NOT " : "");
}

/* One comparison: field comparator value, field [NOT] IN (...) or field IS [NOT] NULL. */
static void
parse_comparison(Parser *p)
{
	Field		f;
	Token		op;
	const char *opsql;
	bool		nan_guard;
	bool		as_text;
	bool		valid;
	Oid			type;
	int			k;

	if (++p->terms > MAX_FILTER_TERMS)
		limit_error(p, p->tok.pos, "filter", "terms", MAX_FILTER_TERMS);
	f = parse_field(p);
	op = p->tok;

	if (at_keyword(p, "IS"))
	{
		parse_is_null(p, &f);
		return;
	}
	if (at_keyword(p, "IN") || at_keyword(p, "NOT"))
	{
		bool		negated = at_keyword(p, "NOT");

		next_token(p);
		if (negated && !at_keyword(p, "IN"))
			syntax_error(p, p->tok.pos, "expected IN after NOT");
		if (negated)
			next_token(p);
		parse_in_list(p, &f, negated);
		return;
	}
	opsql = comparator_sql(p, &f, &op);
	nan_guard = f.kind == F_METRIC && op.kind == T_OP &&
		(op.text[0] == '<' || op.text[0] == '>') && strcmp(op.text, "<>") != 0;
	as_text = like_op(&op);
	next_token(p);
	if (p->tok.kind == T_END)
		syntax_error(p, p->tok.pos, "expected a value");
	k = add_param(p->params, TEXTOID, (Datum) 0);	/* reserve the number */
	p->params->values[k - 1] = literal_datum(p, &f, &type, as_text, &valid);
	p->params->types[k - 1] = valid ? type : TEXTOID;
	next_token(p);
	if (!valid)
	{
		emit_bad_run_id(p, &f, opsql);
		return;
	}
	append_condition_open(p, &f, nan_guard, as_text);
	emit(p, psprintf("%s $%d)", opsql, k));
}

static void parse_or(Parser *p);

/* A parenthesised expression or a comparison. */
static void
parse_primary(Parser *p)
{
	if (p->tok.kind == T_LPAREN)
	{
		int			open = p->tok.pos;

		check_stack_depth();
		if (++p->depth > MAX_FILTER_DEPTH)
			syntax_error(p, open, psprintf("filter nesting exceeds %d levels", MAX_FILTER_DEPTH));
		next_token(p);
		emit(p, "(");
		parse_or(p);
		p->depth--;
		if (p->tok.kind != T_RPAREN)
			syntax_error(p, p->tok.kind == T_END ? open : p->tok.pos,
						 p->tok.kind == T_END ? "unbalanced parenthesis" : "expected )");
		emit(p, ")");
		next_token(p);
		return;
	}
	if (p->tok.kind == T_END)
		syntax_error(p, p->tok.pos, "unexpected end of filter");
	parse_comparison(p);
}

/* primary { AND primary } */
static void
parse_and(Parser *p)
{
	parse_primary(p);
	while (at_keyword(p, "AND"))
	{
		next_token(p);
		emit(p, " AND ");
		parse_primary(p);
	}
}

/* and_expr { OR and_expr } */
static void
parse_or(Parser *p)
{
	check_stack_depth();
	emit(p, "(");
	parse_and(p);
	while (at_keyword(p, "OR"))
	{
		next_token(p);
		emit(p, ") OR (");
		parse_and(p);
	}
	emit(p, ")");
}

/* Set up a parser over input writing into a new part, and read its first token. */
static void
parser_init(Parser *p, const SearchEntity *entity, const char *input, const char *what,
			SearchParams *params)
{
	SearchPart *part = palloc0(sizeof(SearchPart));

	p->input = input;
	p->what = what;
	p->entity = entity;
	p->off = 0;
	p->out = part;
	p->params = params;
	p->depth = 0;
	p->terms = 0;
	initStringInfo(&part->per_field);
	initStringInfo(&part->per_map);
	part->prefix = what[0];
	check_input_length(what, input);
	next_token(p);
}

/* The value of a key use in place: a lookup in the run's map. */
static void
append_lookup(StringInfo sql, KeyUse *use)
{
	if (use->kind == F_METRIC)
		appendStringInfo(sql, "(m.%s OPERATOR(pg_catalog.->>) $%d)::pg_catalog.float8",
						 use->finite ? "finite" : "map", use->param);
	else
		appendStringInfo(sql, "(%s.map OPERATOR(pg_catalog.->>) $%d)", kinds[use->kind].map, use->param);
}

/* Order of key uses: by map, then key. */
static int
key_use_cmp(const void *a, const void *b)
{
	const KeyUse *x = *(KeyUse *const *) a;
	const KeyUse *y = *(KeyUse *const *) b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->finite != y->finite)
		return x->finite ? 1 : -1;
	return strcmp(x->key, y->key);
}

/*
 * Give each key a part reads more than once a column of v, looked up once
 * per run, and write every use into per_map: that column, or the lookup in
 * place (a column costs name resolution against all columns of v, so a key
 * read once is looked up where it is used).
 */
static void
resolve_uses(SearchPart *part)
{
	KeyUse	  **sorted = palloc(sizeof(KeyUse *) * (part->nuses + 1));
	StringInfoData sql;
	const char *s = part->per_map.data;
	const char *marker;
	int			i,
				j,
				k;

	for (i = 0; i < part->nuses; i++)
		sorted[i] = &part->uses[i];
	qsort(sorted, part->nuses, sizeof(KeyUse *), key_use_cmp);
	part->columns = palloc(sizeof(KeyUse *) * (part->nuses + 1));
	for (i = 0; i < part->nuses; i = j)
	{
		for (j = i + 1; j < part->nuses && key_use_cmp(&sorted[i], &sorted[j]) == 0; j++)
			;
		if (j - i == 1)
			continue;
		part->columns[part->ncolumns++] = sorted[i];
		for (k = i; k < j; k++)
			sorted[k]->column = part->ncolumns;
	}
	initStringInfo(&sql);
	while ((marker = strchr(s, '\x01')) != NULL)
	{
		char	   *end;
		KeyUse	   *use;

		CHECK_FOR_INTERRUPTS();
		appendBinaryStringInfo(&sql, s, marker - s);
		use = &part->uses[strtol(marker + 1, &end, 10)];
		Assert(*end == '\x02');
		if (use->column)
			appendStringInfo(&sql, "v.%c%d", part->prefix, use->column);
		else
			append_lookup(&sql, use);
		s = end + 1;
	}
	appendStringInfoString(&sql, s);
	part->per_map = sql;
}

/* Translate a filter into a condition on the entity's rows (and their maps). */
static SearchPart *
translate_filter(const SearchEntity *entity, const char *filter, SearchParams *params)
{
	Parser		p;

	parser_init(&p, entity, filter, "filter", params);
	parse_or(&p);
	if (p.tok.kind != T_END)
		syntax_error(&p, p.tok.pos, p.tok.kind == T_RPAREN ? "unbalanced parenthesis"
					 : "expected AND, OR or the end of the filter");
	resolve_uses(p.out);
	return p.out;
}

/* Record a sort key of order_by: its direction and type. */
static void
add_key(SearchPart *part, bool desc, Oid type)
{
	if (part->nkeys == part->maxkeys)
	{
		part->maxkeys = part->maxkeys ? part->maxkeys * 2 : 8;
		part->keytypes = part->keytypes ? repalloc(part->keytypes, sizeof(Oid) * part->maxkeys)
			: palloc(sizeof(Oid) * part->maxkeys);
		part->keydesc = part->keydesc ? repalloc(part->keydesc, sizeof(bool) * part->maxkeys)
			: palloc(sizeof(bool) * part->maxkeys);
	}
	part->keytypes[part->nkeys] = type;
	part->keydesc[part->nkeys++] = desc;
}

/*
 * Write one order_by field as sort keys, each "\x03<expression>\x04" and
 * its direction, missing values last. A metric is two keys: whether it is
 * NaN (NaN after every number in both directions), then its value.
 */
static void
order_field(Parser *p, Field *f, bool desc)
{
	SearchPart *part = p->out;
	int			k;

	if (f->kind == F_DATASET)
		syntax_error(p, f->pos, "datasets fields cannot order a search");
	if (column_field(p, f))
	{
		emit(p, psprintf("\x03%s\x04", column_sql(p, f, false)));
		add_key(part, desc, f->kind == F_TAG ? TEXTOID : f->attr->sqltype);
	}
	else
	{
		k = key_param(p, f);
		if (f->kind == F_METRIC)
		{
			appendStringInfo(&part->per_field,
							 "\x03(SELECT x.value OPERATOR(pg_catalog.=) 'NaN'::pg_catalog.float8 "
							 "FROM mlops.latest_metrics x WHERE x.run_id OPERATOR(pg_catalog.=) r.id "
							 "AND x.key OPERATOR(pg_catalog.=) $%d)\x04 ASC NULLS LAST, ", k);
			appendStringInfoString(&part->per_map, "\x03(");
			append_use(p, f, k, false);
			appendStringInfoString(&part->per_map,
								   " OPERATOR(pg_catalog.=) 'NaN'::pg_catalog.float8)\x04 ASC NULLS LAST, ");
			add_key(part, false, BOOLOID);
		}
		appendStringInfo(&part->per_field,
						 "\x03(SELECT x.value FROM mlops.%s x WHERE x.run_id OPERATOR(pg_catalog.=) r.id "
						 "AND x.key OPERATOR(pg_catalog.=) $%d)\x04", kinds[f->kind].table, k);
		appendStringInfoChar(&part->per_map, '\x03');
		append_use(p, f, k, false);
		appendStringInfoChar(&part->per_map, '\x04');
		add_key(part, desc, f->kind == F_METRIC ? FLOAT8OID : TEXTOID);
	}
	emit(p, desc ? " DESC NULLS LAST, " : " ASC NULLS LAST, ");
}

/* Translate order_by into an ORDER BY list, each key followed by ", ". */
static SearchPart *
translate_order(const SearchEntity *entity, const char *order_by, SearchParams *params)
{
	Parser		p;
	SearchPart *part;
	int			keys = 0;

	parser_init(&p, entity, order_by, "order_by", params);
	part = p.out;
	for (;;)
	{
		Field		f;
		bool		desc = false;

		if (++keys > MAX_ORDER_KEYS)
			limit_error(&p, p.tok.pos, "order_by", "keys", MAX_ORDER_KEYS);
		f = parse_field(&p);

		if (at_keyword(&p, "DESC") || at_keyword(&p, "ASC"))
		{
			desc = at_keyword(&p, "DESC");
			next_token(&p);
		}
		order_field(&p, &f, desc);
		if (p.tok.kind == T_END)
			break;
		if (p.tok.kind != T_COMMA)
			syntax_error(&p, p.tok.pos, "expected ASC, DESC, a comma or the end of order_by");
		next_token(&p);
	}
	resolve_uses(part);
	return part;
}

/* The form a search uses for a filter, or for order_by (no subplan form). */
static PartForm
part_form(SearchPart *part)
{
	if (part->fields <= MAX_JOINED_FIELDS)
		return FORM_JOINED;
	if (part->prefix == 'f' && part->fields <= MAX_SUBPLAN_FIELDS)
		return FORM_SUBPLANS;
	return FORM_MAPS;
}

/* Whether a part is written with maps. */
static bool
uses_maps(SearchPart *part)
{
	return part_form(part) == FORM_MAPS;
}

/*
 * Join each run r with its maps of the kinds in maps: its params (p.map),
 * tags (t.map) and latest metrics as jsonb objects, each read by one
 * aggregate (one row per run); metric values as float8 text, all of them
 * (m.map) and all but NaN (m.finite). Then with v, the columns of the parts
 * written with maps; OFFSET 0 keeps v a subquery, computed once per run
 * rather than at each use of a column.
 */
static void
append_maps(StringInfo sql, int maps, SearchPart **parts, int nparts)
{
	const char *sep = " CROSS JOIN LATERAL (SELECT ";
	int			kind;
	int			i,
				j;

	for (kind = F_METRIC; kind <= F_TAG; kind++)
		if (maps & (1 << kind))
			appendStringInfo(sql, " CROSS JOIN LATERAL (SELECT pg_catalog.jsonb_object_agg(x.key, %s) AS map%s "
							 "FROM mlops.%s x WHERE x.run_id OPERATOR(pg_catalog.=) r.id) %s",
							 kinds[kind].value,
							 kind == F_METRIC ? ", pg_catalog.jsonb_object_agg(x.key, x.value::pg_catalog.text) "
							 "FILTER (WHERE x.value OPERATOR(pg_catalog.<>) 'NaN'::pg_catalog.float8) AS finite" : "",
							 kinds[kind].table, kinds[kind].map);
	for (i = 0; i < nparts; i++)
		for (j = 0; j < parts[i]->ncolumns; j++)
		{
			appendStringInfoString(sql, sep);
			append_lookup(sql, parts[i]->columns[j]);
			appendStringInfo(sql, " AS %c%d", parts[i]->prefix, j + 1);
			sep = ", ";
		}
	if (*sep == ',')
		appendStringInfoString(sql, " OFFSET 0) v");
}

/*
 * The filter condition in its form. As subplans it is one qual for the
 * planner ("IS TRUE" is the same test in a WHERE): the planner turns only
 * EXISTS directly AND-ed into the WHERE clause into joins.
 */
static void
append_filter(StringInfo sql, SearchPart *filter)
{
	switch (part_form(filter))
	{
		case FORM_JOINED:
			appendStringInfoString(sql, filter->per_field.data);
			break;
		case FORM_SUBPLANS:
			appendStringInfo(sql, "(%s) IS TRUE", filter->per_field.data);
			break;
		case FORM_MAPS:
			appendStringInfoString(sql, filter->per_map.data);
			break;
	}
}

/* The text of order_by in its form. */
static const char *
order_text(SearchPart *order)
{
	return uses_maps(order) ? order->per_map.data : order->per_field.data;
}

/* The ORDER BY list in its form (without key markers), then the entity's ties. */
static void
append_order(StringInfo sql, const SearchEntity *entity, SearchPart *order)
{
	const char *s;

	for (s = order_text(order); *s; s++)
		if (*s != '\x03' && *s != '\x04')
			appendStringInfoChar(sql, *s);
	appendStringInfoString(sql, entity->ties_sql);
}

/* The expressions of the order_by keys, in order (nkeys of them). */
static char **
order_keys(SearchPart *order)
{
	char	  **keys = palloc(sizeof(char *) * (order->nkeys + 1));
	const char *s = order_text(order);
	int			n = 0;

	while ((s = strchr(s, '\x03')) != NULL)
	{
		const char *end = strchr(s, '\x04');

		Assert(end != NULL && n < order->nkeys);
		keys[n++] = pnstrdup(s + 1, end - s - 1);
		s = end + 1;
	}
	Assert(n == order->nkeys);
	return keys;
}

/* Whether a text argument is NULL or only white space. */
static bool
blank_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *s;

	if (PG_ARGISNULL(argno))
		return true;
	s = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	while (isspace((unsigned char) *s))
		s++;
	return *s == '\0';
}

/* A text argument, or def when it is NULL or blank. */
static char *
text_arg(FunctionCallInfo fcinfo, int argno, const char *def)
{
	return blank_arg(fcinfo, argno) ? pstrdup(def) : text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/* The id of an experiment by name (SPI connected), or an error. */
static Datum
experiment_id(text *name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {PointerGetDatum(name)};
	bool		isnull;

	if (SPI_execute_with_args("SELECT e.id FROM mlops.experiments e WHERE e.name OPERATOR(pg_catalog.=) $1",
							  1, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "experiment lookup failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("experiment \"%s\" does not exist", text_to_cstring(name))));
	return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
}

/*
 * The ids of experiments named in an array (SPI connected), as a bigint[],
 * each also appended to identity; an unknown name is 42704, a NULL element
 * 22004.
 */
static Datum
experiment_ids(ArrayType *names, StringInfo identity)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	Datum	   *ids;
	int			i;

	deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	ids = palloc(sizeof(Datum) * (n + 1));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("experiments must not contain NULL (element %d)", i + 1)));
		ids[i] = experiment_id(DatumGetTextPP(elems[i]));
		appendStringInfo(identity, INT64_FORMAT "\x1e", DatumGetInt64(ids[i]));
	}
	return PointerGetDatum(construct_array(ids, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * Copy rows found (SPI_tuptable, the first nrows) into the result by column
 * name: a column an administrator dropped from the table keeps its place in
 * the result's row type but is not in its rows, so positions may differ.
 * The column named next_page_token (token_col, or -1) gets token on the last
 * row.
 */
static void
store_rows(ReturnSetInfo *rsinfo, const SearchEntity *entity, uint64 nrows,
		   int token_col, const char *token)
{
	TupleDesc	out = rsinfo->setDesc;
	TupleDesc	in = SPI_tuptable->tupdesc;
	int		   *from = palloc(sizeof(int) * out->natts);
	Datum	   *values = palloc(sizeof(Datum) * out->natts);
	bool	   *nulls = palloc(sizeof(bool) * out->natts);
	uint64		i;
	int			j;

	for (j = 0; j < out->natts; j++)
	{
		Form_pg_attribute att = TupleDescAttr(out, j);

		from[j] = 0;
		if (att->attisdropped || j == token_col)
			continue;
		from[j] = SPI_fnumber(in, NameStr(att->attname));
		if (from[j] <= 0 || SPI_gettypeid(in, from[j]) != att->atttypid)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of the %s result does not match %s",
							NameStr(att->attname), entity->function, entity->table)));
	}
	for (i = 0; i < nrows; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < out->natts; j++)
		{
			values[j] = (Datum) 0;
			nulls[j] = true;
			if (from[j] > 0)
				values[j] = SPI_getbinval(SPI_tuptable->vals[i], in, from[j], &nulls[j]);
		}
		if (token_col >= 0 && token && i == nrows - 1)
		{
			values[token_col] = CStringGetTextDatum(token);
			nulls[token_col] = false;
		}
		tuplestore_putvalues(rsinfo->setResult, out, values, nulls);
	}
}

/* One search: what it looks through, its parts, and how it pages. */
typedef struct SearchQuery
{
	const SearchEntity *entity;
	SearchParams params;
	SearchPart *filter;			/* NULL: none */
	SearchPart *order;
	StringInfoData scope;		/* conditions before the filter ("" : none) */
	char	   *keyset;			/* after the page token's row, or NULL */
	bool		key_columns;	/* select each sort key as column mlops_key_<n> */
	int64		limit;
} SearchQuery;

/* Append the select list: the entity's columns, and its sort keys when paging. */
static void
append_select(StringInfo sql, SearchQuery *q)
{
	appendStringInfo(sql, "SELECT %s.*", q->entity->alias);
	if (q->key_columns)
	{
		char	  **keys = order_keys(q->order);
		int			i;

		for (i = 0; i < q->order->nkeys; i++)
			appendStringInfo(sql, ", %s AS mlops_key_%d", keys[i], i + 1);
		for (i = 0; i < q->entity->nties; i++)
			appendStringInfo(sql, ", %s AS mlops_key_%d", q->entity->ties[i].column,
							 q->order->nkeys + i + 1);
	}
}

/*
 * A page: the rows the search finds (inner, with their sort keys as columns
 * mlops_key_<n>, computed once per row: OFFSET 0 keeps the subquery whole),
 * after the page token's row, ordered by those columns, at most $k_limit.
 */
static char *
paged_statement(SearchQuery *q, const char *inner, int k_limit)
{
	StringInfoData sql;
	int			nkeys = q->order->nkeys + q->entity->nties;
	int			i;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT * FROM (%s OFFSET 0) s", inner);
	if (q->keyset)
		appendStringInfo(&sql, " WHERE %s", q->keyset);
	for (i = 0; i < nkeys; i++)
	{
		bool		desc = i < q->order->nkeys ? q->order->keydesc[i] : q->entity->ties[i - q->order->nkeys].desc;

		appendStringInfo(&sql, "%s s.mlops_key_%d %s NULLS LAST", i ? "," : " ORDER BY", i + 1,
						 desc ? "DESC" : "ASC");
	}
	appendStringInfo(&sql, " LIMIT $%d", k_limit);
	return sql.data;
}

/*
 * The search statement: the rows in scope the filter finds, in order, at
 * most q->limit (a parameter); when paging, after the page token's row.
 */
static char *
search_statement(SearchQuery *q)
{
	StringInfoData sql;
	SearchPart *filter = q->filter;
	SearchPart *mapped[2];
	int			nmapped = 0;
	int			maps = 0;
	int			i;
	int			k_limit;

	if (filter && uses_maps(filter))
		mapped[nmapped++] = filter;
	if (uses_maps(q->order))
		mapped[nmapped++] = q->order;
	for (i = 0; i < nmapped; i++)
		maps |= mapped[i]->maps;
	initStringInfo(&sql);
	append_select(&sql, q);
	appendStringInfo(&sql, " FROM %s", q->entity->from);
	append_maps(&sql, maps, mapped, nmapped);

	/*
	 * A filter with maps is computed in the select list of a subquery (f),
	 * not written as a WHERE condition: the planner estimates the
	 * selectivity of conditions, and of AND-ed comparisons on distinct
	 * lookups in time quadratic in their number (each also starts an
	 * equivalence class, compared with all others).
	 */
	if (filter && uses_maps(filter))
	{
		appendStringInfoString(&sql, " CROSS JOIN LATERAL (SELECT ");
		append_filter(&sql, filter);
		appendStringInfoString(&sql, " AS matches OFFSET 0) f");
	}
	appendStringInfo(&sql, " WHERE %s", q->scope.len ? q->scope.data : "true");
	if (filter && uses_maps(filter))
		appendStringInfoString(&sql, " AND f.matches");
	else if (filter)
	{
		/* parenthesised, so an OR cannot escape the scope */
		appendStringInfoString(&sql, " AND (");
		append_filter(&sql, filter);
		appendStringInfoChar(&sql, ')');
	}
	k_limit = add_param(&q->params, INT8OID, Int64GetDatum(q->limit));
	if (q->key_columns)
		return paged_statement(q, sql.data, k_limit);
	appendStringInfoString(&sql, " ORDER BY ");
	append_order(&sql, q->entity, q->order);
	appendStringInfo(&sql, " LIMIT $%d", k_limit);
	return sql.data;
}

/*
 * Run the search statement (SPI connected); the rows are in SPI_tuptable.
 * For this statement only: no JIT (compiling a condition of 1,000 terms
 * takes far longer than evaluating it, and cannot be cancelled); no Memoize
 * (the subqueries of a search are parameterised by a run or its maps, values
 * that never repeat, so a cache only costs: hashing 1,000 map references per
 * run); and shortest-exact float text, which metric maps hold (fewer digits
 * would round the values compared).
 */
static void
run_search(SearchQuery *q)
{
	char	   *sql = search_statement(q);
	int			nest = NewGUCNestLevel();

	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("enable_memoize", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("extra_float_digits", "1", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_execute_with_args(sql, q->params.n, q->params.types, q->params.values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "search query failed");
	AtEOXact_GUC(true, nest);
}

/* Refuse max_results below 1 or above MAX_RESULTS (22023); hint: how to page. */
static int64
check_max_results(FunctionCallInfo fcinfo, int argno, const char *hint)
{
	int64		max_results = PG_ARGISNULL(argno) ? 1000 : PG_GETARG_INT32(argno);

	if (max_results < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_results must be at least 1, not %lld", (long long) max_results)));
	if (max_results > MAX_RESULTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_results must be at most %d, not %lld", MAX_RESULTS, (long long) max_results),
				 errhint("%s", hint)));
	return max_results;
}

/* Start a search of entity: the parameters, an empty scope. */
static void
query_init(SearchQuery *q, const SearchEntity *entity, int64 limit)
{
	memset(q, 0, sizeof(SearchQuery));
	q->entity = entity;
	q->limit = limit;
	initStringInfo(&q->scope);
}

/* An active run of an active experiment. */
#define RUN_ACTIVE \
	"r.lifecycle_stage OPERATOR(pg_catalog.=) 'active' AND " \
	"(SELECT e.lifecycle_stage FROM mlops.experiments e " \
	"WHERE e.id OPERATOR(pg_catalog.=) r.experiment_id) OPERATOR(pg_catalog.=) 'active'"

/* Add a condition to the scope of a search. */
static void
add_scope(SearchQuery *q, const char *condition)
{
	appendStringInfo(&q->scope, "%s%s", q->scope.len ? " AND " : "", condition);
}

/*
 * Restrict a search to rows of a lifecycle stage by a view type: active,
 * deleted or all (also MLflow's ACTIVE_ONLY, DELETED_ONLY, ALL); a NULL
 * view is active; another value is 22023 naming it.
 */
static void
add_view_scope(SearchQuery *q, FunctionCallInfo fcinfo, int argno, const char *argname)
{
	char	   *view = PG_ARGISNULL(argno) ? "active" : text_to_cstring(PG_GETARG_TEXT_PP(argno));

	bool		runs = (q->entity == &run_entity);

	/* a run of a deleted experiment counts as deleted, as in the views and for logging */
	if (pg_strcasecmp(view, "active") == 0 || pg_strcasecmp(view, "active_only") == 0)
		add_scope(q, runs ? RUN_ACTIVE :
				  psprintf("%s.lifecycle_stage OPERATOR(pg_catalog.=) 'active'", q->entity->alias));
	else if (pg_strcasecmp(view, "deleted") == 0 || pg_strcasecmp(view, "deleted_only") == 0)
		add_scope(q, runs ? "NOT (" RUN_ACTIVE ")" :
				  psprintf("%s.lifecycle_stage OPERATOR(pg_catalog.=) 'deleted'", q->entity->alias));
	else if (pg_strcasecmp(view, "all") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s \"%s\"", argname, view),
				 errhint("Use active, deleted or all.")));
}

/*
 * Page tokens. The text a token encodes:
 *   "mlops1;" <16 hex digits: hash of the query> ";" <number of keys> ";"
 *   then per sort key of the last row returned "-;" (NULL) or
 *   <length> ":" <value> ";"
 * with values as key_text writes them. A token only continues the search it
 * came from: another experiment list, filter, order_by or view gives another
 * hash (22023).
 */
#define TOKEN_PREFIX "mlops1;"

/* Raise "invalid page_token" (22023). */
static void
bad_token(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid page_token: %s", why),
			 errhint("Pass the next_page_token of the previous page of the same search "
					 "(same experiments, filter, order_by and run_view_type).")));
}

/* The hash identifying a search's query, as 16 hex digits. */
static char *
query_hash(const char *identity)
{
	uint64		h = hash_bytes_extended((const unsigned char *) identity, strlen(identity), 0x6d6c6f7073);

	return psprintf("%016llx", (unsigned long long) h);
}

/*
 * The text of a sort key value, exact and independent of session settings
 * (floats with 17 significant digits, times as microseconds).
 */
static char *
key_text(Oid type, Datum d)
{
	switch (type)
	{
		case FLOAT8OID:
			{
				float8		v = DatumGetFloat8(d);

				if (isnan(v))
					return pstrdup("NaN");
				if (isinf(v))
					return pstrdup(v > 0 ? "Infinity" : "-Infinity");
				return psprintf("%.17g", v);
			}
		case TIMESTAMPTZOID:
			return psprintf(INT64_FORMAT, DatumGetTimestampTz(d));
		case INT8OID:
			return psprintf(INT64_FORMAT, DatumGetInt64(d));
		case INT4OID:
			return psprintf("%d", DatumGetInt32(d));
		case BOOLOID:
			return pstrdup(DatumGetBool(d) ? "t" : "f");
		case UUIDOID:
			return DatumGetCString(DirectFunctionCall1(uuid_out, d));
		default:
			return TextDatumGetCString(d);
	}
}

/* The value key_text wrote, or false when the text is not one. */
static bool
key_value(Oid type, const char *s, Datum *d)
{
	char	   *end;

	errno = 0;
	switch (type)
	{
		case FLOAT8OID:
			if (strcmp(s, "NaN") == 0 || strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0)
			{
				*d = Float8GetDatum(strcmp(s, "NaN") == 0 ? get_float8_nan() :
									s[0] == '-' ? -get_float8_infinity() : get_float8_infinity());
				return true;
			}
			{
				double		v = strtod(s, &end);

				*d = Float8GetDatum(v);
				/* ERANGE for a subnormal value is fine, as float8in takes it */
				return *s && *end == '\0' &&
					(errno == 0 || (errno == ERANGE && v != 0.0 && !isinf(v)));
			}
		case TIMESTAMPTZOID:
		case INT8OID:
		case INT4OID:
			{
				long long	v = strtoll(s, &end, 10);

				if (!*s || *end != '\0' || errno != 0 ||
					(type == INT4OID && (v < PG_INT32_MIN || v > PG_INT32_MAX)))
					return false;
				*d = type == INT4OID ? Int32GetDatum((int32) v) : Int64GetDatum((int64) v);
				/* -infinity and infinity are the ends of int64 */
				return type != TIMESTAMPTZOID || IS_VALID_TIMESTAMP(v) ||
					v == DT_NOBEGIN || v == DT_NOEND;
			}
		case BOOLOID:
			*d = BoolGetDatum(strcmp(s, "t") == 0);
			return strcmp(s, "t") == 0 || strcmp(s, "f") == 0;
		case UUIDOID:
			{
				pg_uuid_t  *u = parse_run_id(s);

				*d = UUIDPGetDatum(u);
				return u != NULL;
			}
		default:
			*d = CStringGetTextDatum(s);
			return pg_verifymbstr(s, strlen(s), true);
	}
}

/* Encode the token continuing after row `row` of SPI_tuptable. */
static char *
encode_token(SearchQuery *q, const char *hash, uint64 row)
{
	StringInfoData buf;
	int			nkeys = q->order->nkeys + q->entity->nties;
	char	   *b64;
	int			len;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, TOKEN_PREFIX "%s;%d;", hash, nkeys);
	for (i = 0; i < nkeys; i++)
	{
		Oid			type = i < q->order->nkeys ? q->order->keytypes[i] : q->entity->ties[i - q->order->nkeys].type;
		int			col = SPI_fnumber(SPI_tuptable->tupdesc, psprintf("mlops_key_%d", i + 1));
		bool		isnull;
		Datum		d;

		if (col <= 0 || SPI_gettypeid(SPI_tuptable->tupdesc, col) != type)
			elog(ERROR, "sort key %d of the search has an unexpected type", i + 1);
		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);
		if (isnull)
			appendStringInfoString(&buf, "-;");
		else
		{
			char	   *v = key_text(type, d);

			appendStringInfo(&buf, "%zu:%s;", strlen(v), v);
		}
	}
	b64 = palloc(pg_b64_enc_len(buf.len) + 1);
	len = pg_b64_encode(buf.data, buf.len, b64, pg_b64_enc_len(buf.len));
	if (len < 0)
		elog(ERROR, "could not encode a page token");
	b64[len] = '\0';
	return b64;
}

/*
 * Decode a page token of this search into the condition placing a row after
 * the token's row: the first sort key where they differ orders it later
 * (keys sort with missing values last), every key before it equal. Keys are
 * the columns mlops_key_<n> of paged_statement's subquery s; values become
 * parameters of the query.
 */
static char *
decode_token(SearchQuery *q, const char *hash, const char *token)
{
	int			nkeys = q->order->nkeys + q->entity->nties;
	int			tlen = strlen(token);
	char	   *plain = palloc(pg_b64_dec_len(tlen) + 1);
	int			len = pg_b64_decode(token, tlen, plain, pg_b64_dec_len(tlen));
	char	   *s;
	StringInfoData eq;
	StringInfoData cond;
	int			i;

	if (len < 0)
		bad_token("not base64");
	plain[len] = '\0';
	if ((int) strlen(plain) != len || strncmp(plain, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0)
		bad_token("not a token of this version");
	s = plain + strlen(TOKEN_PREFIX);
	if (strncmp(s, hash, 16) != 0 || s[16] != ';')
		bad_token("it belongs to another search");
	s += 17;
	if (strtol(s, &s, 10) != nkeys || *s++ != ';')
		bad_token("it belongs to another search");
	initStringInfo(&eq);
	initStringInfo(&cond);
	appendStringInfoString(&eq, "true");
	appendStringInfoString(&cond, "false");
	for (i = 0; i < nkeys; i++)
	{
		bool		tie = i >= q->order->nkeys;
		char	   *expr = psprintf("s.mlops_key_%d", i + 1);
		bool		desc = tie ? q->entity->ties[i - q->order->nkeys].desc : q->order->keydesc[i];
		Oid			type = tie ? q->entity->ties[i - q->order->nkeys].type : q->order->keytypes[i];
		Datum		d;
		int			k;

		if (s[0] == '-' && s[1] == ';')
		{
			/* nothing sorts after a missing value but missing values */
			appendStringInfo(&eq, " AND %s IS NULL", expr);
			s += 2;
			continue;
		}
		else
		{
			long		vlen = strtol(s, &s, 10);
			char	   *v;

			if (*s++ != ':' || vlen < 0 || vlen > (long) strlen(s) || s[vlen] != ';')
				bad_token("malformed");
			v = pnstrdup(s, vlen);
			s += vlen + 1;
			if (!key_value(type, v, &d))
				bad_token("malformed value");
		}
		k = add_param(&q->params, type, d);
		appendStringInfo(&cond, " OR (%s AND (%s OPERATOR(pg_catalog.%s) $%d OR %s IS NULL))",
						 eq.data, expr, desc ? "<" : ">", k, expr);
		appendStringInfo(&eq, " AND %s OPERATOR(pg_catalog.=) $%d", expr, k);
	}
	if (*s != '\0')
		bad_token("malformed");
	return cond.data;
}

PG_FUNCTION_INFO_V1(mlops_search_runs);

/*
 * search_runs(experiment, filter, order_by, max_results): setof mlops.runs,
 * the active runs of an experiment (NULL: of all experiments).
 */
Datum
mlops_search_runs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SearchQuery q;

	query_init(&q, &run_entity,
			   check_max_results(fcinfo, 3, "Page through the runs with several searches (for example on start_time)."));
	InitMaterializedSRF(fcinfo, 0);
	mlops_require_current_version();
	SPI_connect();
	if (!PG_ARGISNULL(0))
		add_scope(&q, psprintf("r.experiment_id OPERATOR(pg_catalog.=) $%d",
							   add_param(&q.params, INT8OID, experiment_id(PG_GETARG_TEXT_PP(0)))));
	add_scope(&q, RUN_ACTIVE);
	if (!blank_arg(fcinfo, 1))
		q.filter = translate_filter(&run_entity, text_to_cstring(PG_GETARG_TEXT_PP(1)), &q.params);
	q.order = translate_order(&run_entity, text_arg(fcinfo, 2, "start_time DESC"), &q.params);
	run_search(&q);
	store_rows(rsinfo, &run_entity, SPI_processed, -1, NULL);
	SPI_finish();
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(mlops_search_runs_page);

/*
 * search_runs(experiments text[], filter, order_by, max_results, page_token,
 * run_view_type): a page of runs, the last row of a full page carrying the
 * token of the next page (when there are more runs) in next_page_token.
 */
Datum
mlops_search_runs_page(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SearchQuery q;
	StringInfoData identity;
	char	   *filter = text_arg(fcinfo, 1, "");
	char	   *order_by = text_arg(fcinfo, 2, "start_time DESC");
	int64		max_results = check_max_results(fcinfo, 3, "Page through the runs with page_token.");
	char	   *hash;
	char	   *token = NULL;

	query_init(&q, &run_entity, max_results + 1);
	add_view_scope(&q, fcinfo, 5, "run_view_type");
	InitMaterializedSRF(fcinfo, 0);
	mlops_require_current_version();
	SPI_connect();
	initStringInfo(&identity);
	appendStringInfo(&identity, "runs\x1f%s\x1f%s\x1f%s\x1f",
					 PG_ARGISNULL(5) ? "active" : text_to_cstring(PG_GETARG_TEXT_PP(5)), filter, order_by);
	if (!PG_ARGISNULL(0))
	{
		ArrayType  *names = PG_GETARG_ARRAYTYPE_P(0);

		add_scope(&q, psprintf("r.experiment_id OPERATOR(pg_catalog.=) ANY ($%d)",
							   add_param(&q.params, INT8ARRAYOID, experiment_ids(names, &identity))));
	}
	hash = query_hash(identity.data);
	if (*filter)
		q.filter = translate_filter(&run_entity, filter, &q.params);
	q.order = translate_order(&run_entity, order_by, &q.params);
	q.key_columns = true;
	if (!blank_arg(fcinfo, 4))
		q.keyset = decode_token(&q, hash, text_to_cstring(PG_GETARG_TEXT_PP(4)));
	run_search(&q);
	if (SPI_processed > (uint64) max_results)
		token = encode_token(&q, hash, max_results - 1);
	store_rows(rsinfo, &run_entity, Min(SPI_processed, (uint64) max_results),
			   rsinfo->setDesc->natts - 1, token);
	SPI_finish();
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(mlops_search_experiments);

/* search_experiments(filter, order_by, max_results, view_type): setof mlops.experiments. */
Datum
mlops_search_experiments(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SearchQuery q;

	query_init(&q, &experiment_entity,
			   check_max_results(fcinfo, 2, "Narrow the filter, or search several times (for example on creation_time)."));
	add_view_scope(&q, fcinfo, 3, "view_type");
	InitMaterializedSRF(fcinfo, 0);
	mlops_require_current_version();
	SPI_connect();
	if (!blank_arg(fcinfo, 0))
		q.filter = translate_filter(&experiment_entity, text_to_cstring(PG_GETARG_TEXT_PP(0)), &q.params);
	q.order = translate_order(&experiment_entity, text_arg(fcinfo, 1, "creation_time DESC, experiment_id ASC"),
							  &q.params);
	run_search(&q);
	store_rows(rsinfo, &experiment_entity, SPI_processed, -1, NULL);
	SPI_finish();
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(mlops_search_model_versions);

/* search_model_versions(filter, order_by, max_results): setof mlops.model_versions. */
Datum
mlops_search_model_versions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SearchQuery q;

	query_init(&q, &model_version_entity,
			   check_max_results(fcinfo, 2, "Narrow the filter, or search several times (for example on name)."));
	InitMaterializedSRF(fcinfo, 0);
	mlops_require_current_version();
	SPI_connect();
	if (!blank_arg(fcinfo, 0))
		q.filter = translate_filter(&model_version_entity, text_to_cstring(PG_GETARG_TEXT_PP(0)), &q.params);
	q.order = translate_order(&model_version_entity,
							  text_arg(fcinfo, 1, "last_updated_timestamp DESC, name ASC, version_number DESC"),
							  &q.params);
	run_search(&q);
	store_rows(rsinfo, &model_version_entity, SPI_processed, -1, NULL);
	SPI_finish();
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(mlops_search_runs_sql);

/*
 * _search_runs_sql(filter, order_by): the condition and ORDER BY list a
 * search generates, for tests (with maps, the condition is computed as
 * f.matches).
 */
Datum
mlops_search_runs_sql(PG_FUNCTION_ARGS)
{
	StringInfoData sql;
	SearchParams params = {0};

	initStringInfo(&sql);
	if (!blank_arg(fcinfo, 0))
		append_filter(&sql, translate_filter(&run_entity, text_to_cstring(PG_GETARG_TEXT_PP(0)), &params));
	else
		appendStringInfoString(&sql, "true");
	appendStringInfoString(&sql, " ORDER BY ");
	append_order(&sql, &run_entity, translate_order(&run_entity, text_arg(fcinfo, 1, "start_time DESC"), &params));
	PG_RETURN_TEXT_P(cstring_to_text(sql.data));
}
