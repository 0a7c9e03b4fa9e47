-- Who may run the drift statistics: mlops_reader and up (through USAGE on the
-- schema); a role without it cannot reach them.
BEGIN;
SELECT plan(7);
SELECT mlops.create_roles();
CREATE TEMP TABLE drift_tap (v float8, r bool, c text);
INSERT INTO drift_tap SELECT x, x % 2 = 0, 'c' || (x % 3) FROM generate_series(1, 200) x;
GRANT SELECT ON drift_tap TO PUBLIC;
CREATE ROLE drift_tap_reader LOGIN;
GRANT mlops_reader TO drift_tap_reader;
CREATE ROLE drift_tap_outsider LOGIN;

SET ROLE drift_tap_reader;
SELECT is((SELECT (mlops.ks_2samp('{1,2,3}', '{2,3,4}')).pvalue), 1.0::float8, 'a reader can run ks_2samp');
SELECT ok((SELECT mlops.psi(v, r) FROM drift_tap) >= 0, 'a reader can run the psi aggregate');
SELECT ok((SELECT (mlops.ks_test(v, r)).n_ref FROM drift_tap) = 100, 'a reader can run ks_test');
SELECT ok((SELECT (mlops.chi2_test(c, r)).pvalue FROM drift_tap) BETWEEN 0 AND 1, 'a reader can run chi2_test');
SELECT ok(mlops.psi_threshold(100, 100) > 0, 'a reader can run psi_threshold');
RESET ROLE;

SET ROLE drift_tap_outsider;
SELECT throws_ok($$SELECT mlops.ks_2samp('{1}', '{2}')$$, '42501', NULL, 'a role without mlops_reader cannot run ks_2samp');
SELECT throws_ok($$SELECT mlops.psi(v, r) FROM drift_tap$$, '42501', NULL, 'a role without mlops_reader cannot run the psi aggregate');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
