/*
 * search.c: mlops.search_runs() and the MLflow filter grammar.
 *
 *   filter  := or_expr
 *   or_expr := and_expr { OR and_expr }
 *   and_expr:= primary { AND primary }
 *   primary := '(' or_expr ')' | field comparator value
 *            | field [NOT] IN '(' value { ',' value } ')'
 *   field   := prefix '.' key | prefix '.' `quoted key` | prefix '.' "quoted key"
 *            | attribute name without prefix
 *   prefix  := metric(s) | param(s) | parameter(s) | tag(s) | attribute(s) | attr | run
 *   comparator := = | != | <> | < | <= | > | >= | LIKE | ILIKE
 *   order_by:= field [ASC | DESC] { ',' field [ASC | DESC] }
 *
 * number  := [+|-] digits [. digits] [(e|E) [+|-] digits]  (or starting with .)
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
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

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
	F_METRIC, F_PARAM, F_TAG, F_ATTR
} FieldKind;

typedef enum AttrType
{
	A_TEXT, A_UUID, A_TIME
} AttrType;

/* An attribute of a run that filters and order_by may name. */
typedef struct AttrDef
{
	const char *name;
	const char *column;
	AttrType	type;
} AttrDef;

static const AttrDef attrs[] = {
	{"run_id", "r.id", A_UUID},
	{"id", "r.id", A_UUID},
	{"run_name", "r.name", A_TEXT},
	{"name", "r.name", A_TEXT},
	{"status", "r.status", A_TEXT},
	{"user_id", "r.created_by::pg_catalog.text", A_TEXT},
	{"created_by", "r.created_by::pg_catalog.text", A_TEXT},
	{"start_time", "r.start_time", A_TIME},
	{"end_time", "r.end_time", A_TIME},
	{"parent_run_id", "r.parent_run_id", A_UUID},
	{NULL, NULL, A_TEXT}
};

/* A parsed field reference. */
typedef struct Field
{
	FieldKind	kind;
	char	   *key;			/* metric/param/tag key */
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
};

/* Parser state over one input string. */
typedef struct Parser
{
	const char *input;
	const char *what;			/* "filter" or "order_by" */
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
		p->tok.text = read_quoted(p, '`');
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

/* Look up an attribute by name. */
static const AttrDef *
find_attr(const char *name)
{
	const AttrDef *a;

	for (a = attrs; a->name; a++)
		if (pg_strcasecmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* Map a field prefix to its kind; false when unknown. */
static bool
prefix_kind(const char *prefix, FieldKind *kind)
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
	};
	int			i;

	for (i = 0; i < lengthof(prefixes); i++)
		if (pg_strcasecmp(prefixes[i].name, prefix) == 0)
		{
			*kind = prefixes[i].kind;
			return true;
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
			 errhint("Use metrics.<key>, params.<key>, tags.<key> or attributes.<name> "
					 "(run_id, run_name, status, user_id, start_time, end_time, parent_run_id).")));
}

/* Parse a field reference at the current token. */
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
		syntax_error(p, p->tok.pos, "a quoted key needs a prefix such as metrics.`key`");
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
	else if (!prefix_kind(prefix, &f.kind))
		unknown_field(p, p->tok.kind == T_QUOTED_IDENT ? psprintf("%s.%s", prefix, f.key) : text);
	if (f.kind == F_ATTR)
	{
		f.attr = find_attr(f.key);
		if (f.attr == NULL)
			unknown_field(p, prefix ? psprintf("%s.%s", prefix, f.key) : f.key);
	}
	next_token(p);
	return f;
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

/* Convert a literal to the Datum a field compares with; errors at its position. */
static Datum
literal_datum(Parser *p, Field *f, Oid *type)
{
	Token	   *t = &p->tok;

	if (f->kind == F_METRIC)
	{
		if (nonfinite_word(t))
			syntax_error(p, t->pos, "metrics compare with a finite number, not NaN or Infinity");
		if (t->kind != T_NUMBER)
			syntax_error(p, t->pos, "metrics compare with a number");
		*type = FLOAT8OID;
		return Float8GetDatum(token_float(p, t));
	}
	if (f->kind != F_ATTR || f->attr->type == A_TEXT)
	{
		if (t->kind != T_STRING)
			syntax_error(p, t->pos, "expected a quoted string such as 'value'");
		*type = TEXTOID;
		return CStringGetTextDatum(t->text);
	}
	if (f->attr->type == A_UUID)
	{
		if (t->kind != T_STRING)
			syntax_error(p, t->pos, "expected a quoted run id");
		*type = UUIDOID;
		return DirectFunctionCall1(uuid_in, CStringGetDatum(t->text));
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

/* The SQL operator for a comparator, checked against the field's kind. */
static const char *
comparator_sql(Parser *p, Field *f, Token *op)
{
	bool		ordered = (f->kind == F_METRIC) || (f->kind == F_ATTR && f->attr->type == A_TIME);
	bool		text_like = (f->kind == F_PARAM || f->kind == F_TAG ||
							 (f->kind == F_ATTR && f->attr->type == A_TEXT));

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
	else if (op->kind == T_WORD && (pg_strcasecmp(op->text, "LIKE") == 0 ||
									pg_strcasecmp(op->text, "ILIKE") == 0))
	{
		if (!text_like)
			syntax_error(p, op->pos, psprintf("%s is only supported for params, tags and text attributes", op->text));
		return pg_strcasecmp(op->text, "LIKE") == 0 ? "OPERATOR(pg_catalog.~~)" : "OPERATOR(pg_catalog.~~*)";
	}
	syntax_error(p, op->pos, "expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN)");
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
 * Open a condition on field f in both forms, up to the comparison: the
 * column of an attribute, or the value of a metric, param or tag (per
 * field: in an EXISTS over its rows). nan_guard: NaN satisfies no ordered
 * comparison (PostgreSQL sorts it above +Infinity). The caller appends the
 * comparison and ")".
 */
static void
append_condition_open(Parser *p, Field *f, bool nan_guard)
{
	SearchPart *out = p->out;
	int			k;

	if (f->kind == F_ATTR)
	{
		emit(p, psprintf("(%s ", f->attr->column));
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
		t == TIMESTAMPTZOID ? TIMESTAMPTZARRAYOID : TEXTARRAYOID;
}

/* field [NOT] IN (v, ...): the list becomes one array parameter. */
static void
parse_in_list(Parser *p, Field *f, bool negated)
{
	Datum	   *elems = palloc(sizeof(Datum) * 8);
	int			n = 0,
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
		if (n == MAX_IN_ITEMS)
			limit_error(p, p->tok.pos, "IN list", "values", MAX_IN_ITEMS);
		if (n == cap)
			elems = repalloc(elems, sizeof(Datum) * (cap *= 2));
		elems[n++] = literal_datum(p, f, &type);
		next_token(p);
		if (p->tok.kind == T_RPAREN)
			break;
		if (p->tok.kind != T_COMMA)
			syntax_error(p, p->tok.pos, "expected , or ) in the IN list");
		next_token(p);
	}
	next_token(p);
	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	k = add_param(p->params, array_type_for(type),
				  PointerGetDatum(construct_array(elems, n, type, typlen, typbyval, typalign)));
	append_condition_open(p, f, false);
	/* NOT IN is "<> ALL" (for metrics/params/tags: has the key, value not listed) */
	cmp = psprintf(negated ? "OPERATOR(pg_catalog.<>) ALL ($%d))" :
				   "OPERATOR(pg_catalog.=) ANY ($%d))", k);
	emit(p, cmp);
}

/* One comparison: field comparator value, or field [NOT] IN (...). */
static void
parse_comparison(Parser *p)
{
	Field		f;
	Token		op;
	const char *opsql;
	bool		nan_guard;
	Oid			type;
	int			k;

	if (++p->terms > MAX_FILTER_TERMS)
		limit_error(p, p->tok.pos, "filter", "terms", MAX_FILTER_TERMS);
	f = parse_field(p);
	op = p->tok;

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
	next_token(p);
	if (p->tok.kind == T_END)
		syntax_error(p, p->tok.pos, "expected a value");
	k = add_param(p->params, TEXTOID, (Datum) 0);	/* reserve the number */
	p->params->values[k - 1] = literal_datum(p, &f, &type);
	p->params->types[k - 1] = type;
	next_token(p);
	append_condition_open(p, &f, nan_guard);
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
parser_init(Parser *p, const char *input, const char *what, SearchParams *params)
{
	SearchPart *part = palloc0(sizeof(SearchPart));

	p->input = input;
	p->what = what;
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

/* Translate a filter into a condition on runs r (and their maps). */
SearchPart *
search_translate_filter(const char *filter, SearchParams *params)
{
	Parser		p;

	parser_init(&p, filter, "filter", params);
	parse_or(&p);
	if (p.tok.kind != T_END)
		syntax_error(&p, p.tok.pos, p.tok.kind == T_RPAREN ? "unbalanced parenthesis"
					 : "expected AND, OR or the end of the filter");
	resolve_uses(p.out);
	return p.out;
}

/* Translate order_by into an ORDER BY list, each key followed by ", ". */
SearchPart *
search_translate_order(const char *order_by, SearchParams *params)
{
	Parser		p;
	SearchPart *part;
	int			keys = 0;

	parser_init(&p, order_by, "order_by", params);
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
		if (f.kind == F_ATTR)
			emit(&p, f.attr->column);
		else
		{
			int			k = key_param(&p, &f);

			/* NaN after every number in both directions, missing values last */
			if (f.kind == F_METRIC)
			{
				appendStringInfo(&part->per_field,
								 "(SELECT x.value OPERATOR(pg_catalog.=) 'NaN'::pg_catalog.float8 "
								 "FROM mlops.latest_metrics x WHERE x.run_id OPERATOR(pg_catalog.=) r.id "
								 "AND x.key OPERATOR(pg_catalog.=) $%d) ASC NULLS LAST, ", k);
				appendStringInfoChar(&part->per_map, '(');
				append_use(&p, &f, k, false);
				appendStringInfoString(&part->per_map,
									   " OPERATOR(pg_catalog.=) 'NaN'::pg_catalog.float8) ASC NULLS LAST, ");
			}
			appendStringInfo(&part->per_field,
							 "(SELECT x.value FROM mlops.%s x WHERE x.run_id OPERATOR(pg_catalog.=) r.id "
							 "AND x.key OPERATOR(pg_catalog.=) $%d)", kinds[f.kind].table, k);
			append_use(&p, &f, k, false);
		}
		emit(&p, desc ? " DESC NULLS LAST, " : " ASC NULLS LAST, ");
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

/* The ORDER BY list in its form, then the ties by start time and id. */
static void
append_order(StringInfo sql, SearchPart *order)
{
	appendStringInfoString(sql, uses_maps(order) ? order->per_map.data : order->per_field.data);
	appendStringInfoString(sql, "r.start_time DESC, r.id");
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
 * Copy the rows found (SPI_tuptable) into the result by column name: a
 * column an administrator dropped from mlops.runs keeps its place in the
 * result's row type but is not in r.*, so positions may differ.
 */
static void
store_runs(ReturnSetInfo *rsinfo)
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
		if (att->attisdropped)
			continue;
		from[j] = SPI_fnumber(in, NameStr(att->attname));
		if (from[j] <= 0 || SPI_gettypeid(in, from[j]) != att->atttypid)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of the search_runs result does not match mlops.runs",
							NameStr(att->attname))));
	}
	for (i = 0; i < SPI_processed; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < out->natts; j++)
		{
			values[j] = (Datum) 0;
			nulls[j] = true;
			if (from[j] > 0)
				values[j] = SPI_getbinval(SPI_tuptable->vals[i], in, from[j], &nulls[j]);
		}
		tuplestore_putvalues(rsinfo->setResult, out, values, nulls);
	}
}

/*
 * The search statement: the runs r of experiment $k_experiment (0: of all
 * experiments) the filter (NULL: none) finds, in order, at most $k_limit.
 */
static char *
search_statement(int k_experiment, SearchPart *filter, SearchPart *order, int k_limit)
{
	StringInfoData sql;
	SearchPart *mapped[2];
	int			nmapped = 0;
	int			maps = 0;
	int			i;

	if (filter && uses_maps(filter))
		mapped[nmapped++] = filter;
	if (uses_maps(order))
		mapped[nmapped++] = order;
	for (i = 0; i < nmapped; i++)
		maps |= mapped[i]->maps;
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT r.* FROM mlops.runs r");
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
	if (k_experiment)
		appendStringInfo(&sql, " WHERE r.experiment_id OPERATOR(pg_catalog.=) $%d", k_experiment);
	else
		appendStringInfoString(&sql, " WHERE true");
	if (filter && uses_maps(filter))
		appendStringInfoString(&sql, " AND f.matches");
	else if (filter)
	{
		/* parenthesised, so an OR cannot escape the experiment restriction */
		appendStringInfoString(&sql, " AND (");
		append_filter(&sql, filter);
		appendStringInfoChar(&sql, ')');
	}
	appendStringInfoString(&sql, " ORDER BY ");
	append_order(&sql, order);
	appendStringInfo(&sql, " LIMIT $%d", k_limit);
	return sql.data;
}

/*
 * Run the search statement (SPI connected) and store the runs it finds.
 * For this statement only: no JIT (compiling a condition of 1,000 terms
 * takes far longer than evaluating it, and cannot be cancelled); no Memoize
 * (the subqueries of a search are parameterised by a run or its maps, values
 * that never repeat, so a cache only costs: hashing 1,000 map references per
 * run); and shortest-exact float text, which metric maps hold (fewer digits
 * would round the values compared).
 */
static void
run_search(const char *sql, SearchParams *params, ReturnSetInfo *rsinfo)
{
	int			nest = NewGUCNestLevel();

	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("enable_memoize", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("extra_float_digits", "1", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_execute_with_args(sql, params->n, params->types, params->values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "search query failed");
	AtEOXact_GUC(true, nest);
	store_runs(rsinfo);
}

PG_FUNCTION_INFO_V1(mlops_search_runs);

/* search_runs(experiment, filter, order_by, max_results): setof mlops.runs. */
Datum
mlops_search_runs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SearchParams params = {0};
	SearchPart *filter = NULL;
	SearchPart *order;
	int64		max_results = PG_ARGISNULL(3) ? 1000 : PG_GETARG_INT32(3);
	int			k_experiment = 0;
	int			k_limit;

	if (max_results < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_results must be at least 1, not %lld", (long long) max_results)));
	if (max_results > MAX_RESULTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_results must be at most %d, not %lld", MAX_RESULTS, (long long) max_results),
				 errhint("Page through the runs with several searches (for example on start_time).")));
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	if (!PG_ARGISNULL(0))
		k_experiment = add_param(&params, INT8OID, experiment_id(PG_GETARG_TEXT_PP(0)));
	if (!blank_arg(fcinfo, 1))
		filter = search_translate_filter(text_to_cstring(PG_GETARG_TEXT_PP(1)), &params);
	order = search_translate_order(blank_arg(fcinfo, 2) ? "start_time DESC" :
								   text_to_cstring(PG_GETARG_TEXT_PP(2)), &params);
	k_limit = add_param(&params, INT8OID, Int64GetDatum(max_results));
	run_search(search_statement(k_experiment, filter, order, k_limit), &params, rsinfo);
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
		append_filter(&sql, search_translate_filter(text_to_cstring(PG_GETARG_TEXT_PP(0)), &params));
	else
		appendStringInfoString(&sql, "true");
	appendStringInfoString(&sql, " ORDER BY ");
	append_order(&sql, search_translate_order(blank_arg(fcinfo, 1) ? "start_time DESC" :
											  text_to_cstring(PG_GETARG_TEXT_PP(1)), &params));
	PG_RETURN_TEXT_P(cstring_to_text(sql.data));
}
