-- mlops demo, part 0: install the extension and its roles.
CREATE EXTENSION mlops;
SELECT mlops.version() AS mlops_version, mlops.is_preloaded() AS scheduler_can_run;
-- group roles for readers, writers, approvers and admins
SELECT mlops.create_roles();
SELECT r.rolname AS role,
       array_agg(g.rolname ORDER BY g.rolname) FILTER (WHERE g.rolname IS NOT NULL) AS member_of
  FROM pg_roles r
  LEFT JOIN pg_auth_members m ON m.member = r.oid
  LEFT JOIN pg_roles g ON g.oid = m.roleid
 WHERE r.rolname LIKE 'mlops\_%'
 GROUP BY r.rolname ORDER BY r.rolname;
-- the server settings mlops reads
SELECT name, setting, unit, status FROM mlops.settings ORDER BY name;
