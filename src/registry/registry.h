/*
 * registry.h: the registry's internal API, shared by its modules (core.c,
 * stages.c, approvals.c, aliases.c, config.c).
 * Shared helpers carry the reg_ prefix (the json_kv_* builders excepted).
 */
#ifndef MLOPS_REGISTRY_H
#define MLOPS_REGISTRY_H


#include "access/htup.h"
#include "fmgr.h"
#include "commands/trigger.h"
#include "common/spi_owner.h"
#include "lib/stringinfo.h"

/*
 * One registry operation: who acts, and the saved state while its SQL runs
 * as the owner of the registry tables with a pinned search_path.
 */
typedef struct RegCtx
{
	Oid			role;			/* acting role (current_user of the change) */
	char	   *role_name;
	char	   *session_name;	/* session_user */
	Oid			session;		/* session_user's oid */
	bool		is_super;		/* acting role is a superuser */
	bool		internal;		/* fired by a statement a registry operation issued */
	MemoryContext upper;		/* caller's context, for returned tuples */
	Oid			save_actor;		/* actor of an enclosing operation */
	OwnerScope	scope;			/* the owner context (common/spi_owner) */
	HeapTuple	result;			/* tuple a trigger returns */
} RegCtx;

/* Column values of the tuple a trigger returns, collected by name. */
typedef struct TupleEdit
{
	int			n;
	int			cols[16];
	Datum		vals[16];
	bool		nulls[16];
} TupleEdit;

/* Model version facts used by the rules. */
typedef struct VersionInfo
{
	int64		id;
	int64		model_id;
	int			version;
	char	   *model;
	char	   *stage;
	char	   *run_id;
} VersionInfo;

/* The policy that covers (model, stage). */
typedef struct Policy
{
	bool		found;
	int64		id;
	int			min_approvals;
	Oid			approver_role;
	char	   *approver_role_name;
	bool		allow_self;
	Datum		gates;
} Policy;

/* core.c: the owner context */
extern void reg_begin(RegCtx *c);
extern void reg_end(RegCtx *c);
extern void reg_abort(RegCtx *c);
extern int	reg_exec(const char *sql, int nargs, Oid *types, Datum *values,
					 const char *nulls, bool read_only, long limit);
extern Datum reg_run_trigger(TriggerData *td, HeapTuple (*body) (TriggerData *, RegCtx *));
extern void reg_refuse_reached_code(Relation rel);

/* core.c: JSON builders and notifications */
extern StringInfo reg_json_open(void);
extern void json_kv_str(StringInfo buf, const char *key, const char *value);
extern void json_kv_raw(StringInfo buf, const char *key, const char *raw);
extern void json_kv_int(StringInfo buf, const char *key, int64 value);
extern void registry_notify(const char *event, const char *entity, StringInfo payload);
extern void reg_audit(RegCtx *c, const char *action, const char *entity, StringInfo detail);

/* core.c: tuples and SPI results */
extern void reg_edit_set(TupleEdit *e, TupleDesc desc, const char *name, Datum val, bool isnull);
extern HeapTuple reg_edit_apply(RegCtx *c, TupleEdit *e, HeapTuple tup, TupleDesc desc);
extern Datum reg_col_get(HeapTuple tup, TupleDesc desc, const char *name, bool *isnull);
extern char *reg_col_str(HeapTuple tup, TupleDesc desc, const char *name);
extern int64 reg_col_int8(HeapTuple tup, TupleDesc desc, const char *name);
extern bool reg_col_changed(HeapTuple a, HeapTuple b, TupleDesc desc, const char *name);
extern char *reg_res_str(int row, int col);
extern Datum reg_res_datum(int row, int col, bool *isnull);
extern Datum reg_name_datum(const char *s);
extern Datum reg_now_datum(void);
extern TriggerData *reg_trigger_data(FunctionCallInfo fcinfo, const char *fn);
extern HeapTuple reg_passthrough(TriggerData *td);
extern HeapTuple reg_touch_updated(TriggerData *td, const char *const *cols, int ncols);

/* core.c: lookups */
extern bool reg_load_version(int64 version_id, VersionInfo *vi);
extern char *reg_lock_model(int64 model_id);
extern bool reg_stage_lookup(const char *stage, bool *exclusive);
extern bool reg_stage_require(const char *stage);
extern void reg_transition_require(const VersionInfo *vi, const char *from, const char *to);
extern void reg_policy_lookup(int64 model_id, const char *stage, Policy *p);

/* stages.c */
extern char *reg_version_entity(const VersionInfo *vi);

/* approvals.c */
extern void reg_gates_check(const VersionInfo *vi, const char *to, Datum gates, StringInfo log);
extern void reg_gates_validate(Datum gates);
extern int64 reg_approval_require(const VersionInfo *vi, const char *from, const char *to,
								  StringInfo gate_log, int *napprovals);

#endif							/* MLOPS_REGISTRY_H */
