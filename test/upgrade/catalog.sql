-- One line per property of every object of extension mlops, sorted, with no
-- oids: two databases print the same lines when their mlops catalogs are
-- equal. Used by test/t/005_upgrade.pl to compare an upgraded catalog with a
-- fresh install. Column order counts (SELECT * and composite results see it),
-- dropped columns do not.
WITH ext AS (
    SELECT oid FROM pg_extension WHERE extname = 'mlops'
), members AS (
    SELECT d.classid, d.objid
      FROM pg_depend d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), rels AS (
    SELECT c.* FROM pg_class c JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
), procs AS (
    SELECT p.* FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
), lines(line) AS (
    -- every member object, by its identity
    SELECT 'member ' || pg_describe_object(m.classid, m.objid, 0) FROM members m
    -- the extension's own properties
    UNION ALL
    SELECT 'extension ' || e.extname || ' relocatable=' || e.extrelocatable
           || ' schema=' || e.extnamespace::regnamespace
      FROM pg_extension e WHERE e.extname = 'mlops'
    UNION ALL
    SELECT 'config-dump ' || cfg::regclass || ' where ' || coalesce(cond, '')
      FROM pg_extension e,
           LATERAL unnest(e.extconfig, e.extcondition) AS u(cfg, cond)
     WHERE e.extname = 'mlops'
    -- relations: kind, options, privileges, comment, owner-independent
    UNION ALL
    SELECT 'relation ' || r.oid::regclass || ' kind=' || r.relkind::text
           || ' rls=' || r.relrowsecurity || '/' || r.relforcerowsecurity
           || ' options=' || coalesce(r.reloptions::text, '')
           || ' acl=' || coalesce(r.relacl::text, '')
           || ' persistence=' || r.relpersistence::text
      FROM rels r
    UNION ALL
    SELECT 'comment ' || r.oid::regclass || ' ' || coalesce(obj_description(r.oid, 'pg_class'), '<none>')
      FROM rels r
    -- columns in order (position among live columns), type, nullability,
    -- default, identity, generation, privileges, comment
    UNION ALL
    SELECT 'column ' || r.oid::regclass || '.' || a.attname
           || ' pos=' || row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum)
           || ' type=' || format_type(a.atttypid, a.atttypmod)
           || ' notnull=' || a.attnotnull
           || ' default=' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '')
           || ' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text
           || ' collation=' || coalesce(a.attcollation::regcollation::text, '')
           || ' acl=' || coalesce(a.attacl::text, '')
           || ' comment=' || coalesce(col_description(r.oid, a.attnum), '<none>')
      FROM rels r
      JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef ad ON ad.adrelid = r.oid AND ad.adnum = a.attnum
    -- constraints by name
    UNION ALL
    SELECT 'constraint ' || r.oid::regclass || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
           || ' deferrable=' || co.condeferrable || '/' || co.condeferred
           || ' comment=' || coalesce(obj_description(co.oid, 'pg_constraint'), '<none>')
      FROM rels r JOIN pg_constraint co ON co.conrelid = r.oid
    -- constraints of domains and composite types of the extension
    UNION ALL
    SELECT 'type-constraint ' || t.oid::regtype || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
      FROM pg_type t JOIN members m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
      JOIN pg_constraint co ON co.contypid = t.oid
    -- indexes (their definitions name them)
    UNION ALL
    SELECT 'index ' || pg_get_indexdef(i.indexrelid)
           || ' comment=' || coalesce(obj_description(i.indexrelid, 'pg_class'), '<none>')
      FROM rels r JOIN pg_index i ON i.indrelid = r.oid
    -- triggers, rules, policies
    UNION ALL
    SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
           || ' comment=' || coalesce(obj_description(t.oid, 'pg_trigger'), '<none>')
      FROM rels r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
    UNION ALL
    SELECT 'rule ' || pg_get_ruledef(ru.oid)
      FROM rels r JOIN pg_rewrite ru ON ru.ev_class = r.oid AND ru.rulename <> '_RETURN'
    UNION ALL
    SELECT 'view ' || r.oid::regclass || ' ' || pg_get_viewdef(r.oid)
      FROM rels r WHERE r.relkind::text IN ('v', 'm')
    UNION ALL
    SELECT 'policy ' || r.oid::regclass || ' ' || po.polname || ' cmd=' || po.polcmd::text
           || ' permissive=' || po.polpermissive
           || ' roles=' || (SELECT string_agg(CASE WHEN x = 0 THEN 'public' ELSE x::regrole::text END, ',' ORDER BY 1)
                              FROM unnest(po.polroles) x)
           || ' using=' || coalesce(pg_get_expr(po.polqual, po.polrelid), '')
           || ' check=' || coalesce(pg_get_expr(po.polwithcheck, po.polrelid), '')
      FROM rels r JOIN pg_policy po ON po.polrelid = r.oid
    -- sequences: parameters and the column that owns them
    UNION ALL
    SELECT 'sequence ' || r.oid::regclass || ' ' || format_type(s.seqtypid, NULL)
           || ' start=' || s.seqstart || ' inc=' || s.seqincrement || ' min=' || s.seqmin
           || ' max=' || s.seqmax || ' cache=' || s.seqcache || ' cycle=' || s.seqcycle
           || ' owned_by=' || coalesce((SELECT d.refobjid::regclass || '.' || a.attname
                                          FROM pg_depend d
                                          JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                         WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid
                                           AND d.refclassid = 'pg_class'::regclass
                                           AND d.deptype IN ('a', 'i')), '')
      FROM rels r JOIN pg_sequence s ON s.seqrelid = r.oid
    -- functions: full definition (not aggregates), privileges, comment
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure || ' ' || pg_get_functiondef(p.oid)
      FROM procs p WHERE p.prokind <> 'a'
    UNION ALL
    SELECT 'function-acl ' || p.oid::regprocedure || ' ' || coalesce(p.proacl::text, '<default>')
           || ' comment=' || coalesce(obj_description(p.oid, 'pg_proc'), '<none>')
      FROM procs p
    UNION ALL
    SELECT 'aggregate ' || p.oid::regprocedure || ' returns ' || format_type(p.prorettype, NULL)
           || ' kind=' || ag.aggkind::text || ' sfunc=' || ag.aggtransfn::regproc
           || ' stype=' || format_type(ag.aggtranstype, NULL)
           || ' final=' || ag.aggfinalfn::regproc || ' finalextra=' || ag.aggfinalextra
           || ' finalmodify=' || ag.aggfinalmodify::text
           || ' combine=' || ag.aggcombinefn::regproc || ' serial=' || ag.aggserialfn::regproc
           || ' deserial=' || ag.aggdeserialfn::regproc
           || ' msfunc=' || ag.aggmtransfn::regproc || ' minv=' || ag.aggminvtransfn::regproc
           || ' mstype=' || format_type(ag.aggmtranstype, NULL)
           || ' mfinal=' || ag.aggmfinalfn::regproc || ' mfinalmodify=' || ag.aggmfinalmodify::text
           || ' init=' || coalesce(ag.agginitval, '') || ' minit=' || coalesce(ag.aggminitval, '')
           || ' parallel=' || p.proparallel::text || ' strict=' || p.proisstrict
      FROM procs p JOIN pg_aggregate ag ON ag.aggfnoid = p.oid
    -- types: base types' I/O, composite attributes come with their pg_class row
    UNION ALL
    SELECT 'type ' || t.oid::regtype || ' type=' || t.typtype::text || ' len=' || t.typlen
           || ' byval=' || t.typbyval || ' align=' || t.typalign::text || ' storage=' || t.typstorage::text
           || ' in=' || t.typinput::regproc || ' out=' || t.typoutput::regproc
           || ' recv=' || t.typreceive::regproc || ' send=' || t.typsend::regproc
           || ' acl=' || coalesce(t.typacl::text, '')
           || ' comment=' || coalesce(obj_description(t.oid, 'pg_type'), '<none>')
      FROM pg_type t JOIN members m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
    -- casts and operators, should the extension have any
    UNION ALL
    SELECT 'cast ' || format_type(c.castsource, NULL) || ' -> ' || format_type(c.casttarget, NULL)
           || ' via ' || c.castfunc::regproc || ' ' || c.castcontext::text
      FROM pg_cast c JOIN members m ON m.classid = 'pg_cast'::regclass AND m.objid = c.oid
    UNION ALL
    SELECT 'operator ' || o.oid::regoperator || ' ' || o.oprcode::regproc
      FROM pg_operator o JOIN members m ON m.classid = 'pg_operator'::regclass AND m.objid = o.oid
    -- the schema: owner-independent privileges and comment
    UNION ALL
    SELECT 'schema ' || n.nspname || ' acl=' || coalesce(n.nspacl::text, '')
           || ' comment=' || coalesce(obj_description(n.oid, 'pg_namespace'), '<none>')
      FROM pg_namespace n WHERE n.nspname = 'mlops'
)
-- one line per property: definitions spanning lines are joined
SELECT l.line
  FROM lines, LATERAL (SELECT regexp_replace(lines.line, E'\\s*\\n\\s*', ' ', 'g') AS line) l
 ORDER BY l.line COLLATE "C";
