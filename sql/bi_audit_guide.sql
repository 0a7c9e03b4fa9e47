-- The DBA's audit guide (doc/audit.md): every query of the guide, run on a
-- registry with a fixed history (January to March 2026, written through the
-- registry's functions, with a superuser's direct move and an imported model)
-- loaded the way pg_restore loads a data dump: rows verbatim, triggers off,
-- the audit chain intact. Then checks that the chain and anchor queries catch
-- tampering and that the FAILED-run query catches such a promotion.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mlops CASCADE;  -- a fresh install: no rows from other test files
CREATE EXTENSION mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\pset null '<null>'

-- the people of the history (regrole columns restore by name)
CREATE ROLE regress_guide_dana LOGIN IN ROLE mlops_writer;
CREATE ROLE regress_guide_alice LOGIN IN ROLE mlops_approver;
CREATE ROLE regress_guide_bob LOGIN IN ROLE mlops_approver;
CREATE ROLE regress_guide_admin LOGIN IN ROLE mlops_admin;
CREATE ROLE regress_guide_auditor LOGIN IN ROLE mlops_reader;

-- ------------------------------------------------ the restored history
ALTER TABLE mlops.experiments DISABLE TRIGGER ALL;
COPY mlops.experiments (id, name, tags, created_at, created_by) FROM stdin;
1	churn	{}	2026-01-06 10:00:00.001176+00	regress_guide_dana
2	fraud	{}	2026-01-06 10:00:00.053319+00	regress_guide_dana
\.
ALTER TABLE mlops.experiments ENABLE TRIGGER ALL;
ALTER TABLE mlops.models DISABLE TRIGGER ALL;
COPY mlops.models (id, name, description, created_by, created_at, last_version) FROM stdin;
2	fraud	flags fraudulent payments	regress_guide_dana	2026-01-06 10:00:00.075605+00	1
1	churn	predicts customer churn	regress_guide_dana	2026-01-06 10:00:00.067418+00	3
3	legacy_scoring	imported from the old scoring service	regress_guide_legacy	2025-11-03 00:00:00+00	1
\.
ALTER TABLE mlops.models ENABLE TRIGGER ALL;
ALTER TABLE mlops.runs DISABLE TRIGGER ALL;
COPY mlops.runs (id, experiment_id, name, status, start_time, end_time, created_by, parent_run_id) FROM stdin;
f70d27fb-b175-4342-985e-968b55943ff6	1	gbm-2026-01	FINISHED	2026-01-06 10:00:00.001176+00	2026-01-06 10:00:00.047151+00	regress_guide_dana	\N
247037fd-b91e-4069-b44e-6edb333aea76	2	xgb-2026-01	FINISHED	2026-01-06 10:00:00.053319+00	2026-01-06 10:00:00.063975+00	regress_guide_dana	\N
fe3d99d1-4739-4842-846b-b50e279e7306	1	gbm-2026-02	FINISHED	2026-02-02 09:00:00.001138+00	2026-02-02 09:00:00.026549+00	regress_guide_dana	\N
fcbe394a-4021-41a8-9d94-460909aca187	1	gbm-2026-02b	FAILED	2026-02-24 09:00:00.003461+00	2026-02-24 09:00:00.043134+00	regress_guide_dana	\N
\.
ALTER TABLE mlops.runs ENABLE TRIGGER ALL;
ALTER TABLE mlops.model_versions DISABLE TRIGGER ALL;
COPY mlops.model_versions (id, model_id, version, run_id, artifact_uri, stage, stage_exclusive, description, created_by, created_at, stage_changed_at) FROM stdin;
2	1	2	fe3d99d1-4739-4842-846b-b50e279e7306	s3://models/churn/2	production	t	\N	regress_guide_dana	2026-02-02 09:00:00.031519+00	2026-02-09 08:00:00.026466+00
1	1	1	f70d27fb-b175-4342-985e-968b55943ff6	s3://models/churn/1	staging	f	\N	regress_guide_dana	2026-01-07 11:00:00.001148+00	2026-02-20 22:45:00.006454+00
4	1	3	fcbe394a-4021-41a8-9d94-460909aca187	s3://models/churn/3	staging	f	\N	regress_guide_dana	2026-02-24 09:00:00.060369+00	2026-02-24 09:00:00.081063+00
3	2	1	247037fd-b91e-4069-b44e-6edb333aea76	s3://models/fraud/1	production	t	\N	regress_guide_dana	2026-02-10 13:00:00.001546+00	2026-03-03 08:00:00.029497+00
5	3	1	247037fd-b91e-4069-b44e-6edb333aea76	s3://legacy/scoring/1	production	t	\N	regress_guide_legacy	2025-11-03 00:00:00+00	2025-12-01 00:00:00+00
\.
ALTER TABLE mlops.model_versions ENABLE TRIGGER ALL;
ALTER TABLE mlops.transition_requests DISABLE TRIGGER ALL;
COPY mlops.transition_requests (id, model_version_id, from_stage, to_stage, status, comment, requested_by, requested_session, requested_at, closed_by, closed_at, requested_by_id, requested_session_id) FROM stdin;
1	1	staging	production	consumed	first churn model	regress_guide_dana	regress_guide_dana	2026-01-08 09:30:00.001277+00	regress_guide_dana	2026-01-12 08:00:00.000874+00	regress_guide_dana	regress_guide_dana
2	2	staging	production	rejected	deeper trees	regress_guide_dana	regress_guide_dana	2026-02-02 09:00:00.05271+00	regress_guide_bob	2026-02-03 16:20:00.00172+00	regress_guide_dana	regress_guide_dana
3	2	staging	production	consumed	holdout confirms	regress_guide_dana	regress_guide_dana	2026-02-05 09:10:00.001577+00	regress_guide_dana	2026-02-09 08:00:00.00143+00	regress_guide_dana	regress_guide_dana
5	4	staging	production	open	best auc so far	regress_guide_dana	regress_guide_dana	2026-02-24 09:00:00.0851+00	\N	\N	regress_guide_dana	regress_guide_dana
4	3	staging	production	consumed	\N	regress_guide_dana	regress_guide_dana	2026-02-10 13:00:00.019543+00	regress_guide_dana	2026-03-03 08:00:00.00124+00	regress_guide_dana	regress_guide_dana
\.
ALTER TABLE mlops.transition_requests ENABLE TRIGGER ALL;
ALTER TABLE mlops.approvals DISABLE TRIGGER ALL;
COPY mlops.approvals (id, request_id, decision, approver, approver_session, comment, at, approver_id, approver_session_id) FROM stdin;
1	1	approve	regress_guide_alice	regress_guide_alice	reviewed the holdout report	2026-01-09 10:15:00.006147+00	regress_guide_alice	regress_guide_alice
2	1	approve	regress_guide_bob	regress_guide_bob	\N	2026-01-09 14:40:00.001192+00	regress_guide_bob	regress_guide_bob
3	2	reject	regress_guide_bob	regress_guide_bob	wait for the February holdout	2026-02-03 16:20:00.00172+00	regress_guide_bob	regress_guide_bob
4	3	approve	regress_guide_alice	regress_guide_alice	\N	2026-02-06 11:00:00.001957+00	regress_guide_alice	regress_guide_alice
5	3	approve	regress_guide_bob	regress_guide_bob	ok after holdout	2026-02-06 15:30:00.001261+00	regress_guide_bob	regress_guide_bob
6	5	approve	regress_guide_alice	regress_guide_alice	\N	2026-02-25 10:00:00.00129+00	regress_guide_alice	regress_guide_alice
7	4	approve	regress_guide_alice	regress_guide_alice	\N	2026-03-02 09:00:00.001206+00	regress_guide_alice	regress_guide_alice
8	4	approve	regress_guide_bob	regress_guide_bob	\N	2026-03-02 14:00:00.001303+00	regress_guide_bob	regress_guide_bob
\.
ALTER TABLE mlops.approvals ENABLE TRIGGER ALL;
ALTER TABLE mlops.audit_log DISABLE TRIGGER ALL;
COPY mlops.audit_log (id, at, actor, action, entity, detail, prev_hash, hash) FROM stdin;
1	2026-01-05 09:00:00.014222+00	regress_guide_admin	policy.insert	policy:*/production	{"after": {"id": 1, "gates": [{"op": ">=", "value": 0.8, "metric": "auc"}, {"op": ">=", "metric": "auc", "baseline": "production"}], "model_id": null, "to_stage": "production", "updated_at": "2026-01-05T09:00:00.001894+00:00", "updated_by": "regress_guide_admin", "approver_role": "mlops_approver", "min_approvals": 2, "allow_self_approval": false}, "before": null}	\N	689e967d0f3ab97c3ad08bd6a26d439d24aa9f3a6af37aa035e3ebfe728c07e3
2	2026-01-06 10:00:00.071341+00	regress_guide_dana	model.register	model:churn	{"model": "churn", "description": "predicts customer churn"}	689e967d0f3ab97c3ad08bd6a26d439d24aa9f3a6af37aa035e3ebfe728c07e3	1afbd2cd0e8b0a1b155ef17c2acf88fb729e953ec5386469245339d317f8ba21
3	2026-01-06 10:00:00.076791+00	regress_guide_dana	model.register	model:fraud	{"model": "fraud", "description": "flags fraudulent payments"}	1afbd2cd0e8b0a1b155ef17c2acf88fb729e953ec5386469245339d317f8ba21	e9166d803704afdd7f8bc92a4b8d6e4da2dd0a407516c5d226838923e35f1862
4	2026-01-07 11:00:00.016395+00	regress_guide_dana	version.create	model:churn@1	{"model": "churn", "run_id": "f70d27fb-b175-4342-985e-968b55943ff6", "version": 1, "artifact_uri": "s3://models/churn/1"}	e9166d803704afdd7f8bc92a4b8d6e4da2dd0a407516c5d226838923e35f1862	eb8d38089062398ab246891ad80e0171aec7acad658153be2f473aa3fc95dfeb
5	2026-01-07 11:00:00.066403+00	regress_guide_dana	stage.change	model:churn@1	{"to": "staging", "from": "none", "model": "churn", "comment": "candidate", "version": 1}	eb8d38089062398ab246891ad80e0171aec7acad658153be2f473aa3fc95dfeb	1c25c88735c8387e711f713d6fccedeecb571c8d3ae8a49e8aaaa90977a9f4bb
6	2026-01-08 09:30:00.011646+00	regress_guide_dana	transition.request	model:churn@1	{"to": "production", "from": "staging", "model": "churn", "comment": "first churn model", "request": 1, "version": 1}	1c25c88735c8387e711f713d6fccedeecb571c8d3ae8a49e8aaaa90977a9f4bb	97afa79facb1ded10fe0ca4245d7a42bb7c3a387ed6cadeb9147abac47e0821e
7	2026-01-09 10:15:00.01605+00	regress_guide_alice	transition.approve	model:churn@1	{"to": "production", "model": "churn", "comment": "reviewed the holdout report", "request": 1, "version": 1, "requested_by": "regress_guide_dana"}	97afa79facb1ded10fe0ca4245d7a42bb7c3a387ed6cadeb9147abac47e0821e	a7a9009ca85e8a4c9b41e412fc4ddafb733d094709dbaa38b4e0136523e307a9
8	2026-01-09 14:40:00.006129+00	regress_guide_bob	transition.approve	model:churn@1	{"to": "production", "model": "churn", "comment": null, "request": 1, "version": 1, "requested_by": "regress_guide_dana"}	a7a9009ca85e8a4c9b41e412fc4ddafb733d094709dbaa38b4e0136523e307a9	2fb093a8d6dc76a7d429f21240c021e5f2570c449a0068751b273e970a9b9532
9	2026-01-12 08:00:00.024529+00	regress_guide_dana	stage.change	model:churn@1	{"to": "production", "from": "staging", "gates": "auc=0.84 >= 0.8, auc=0.84 (no production baseline)", "model": "churn", "comment": "release 2026.1", "request": 1, "version": 1, "approvals": 2}	2fb093a8d6dc76a7d429f21240c021e5f2570c449a0068751b273e970a9b9532	18e2a7633b7f8a11e5d5166ee7670299b5707423be4451874d907f1befbd6d86
10	2026-02-02 09:00:00.036404+00	regress_guide_dana	version.create	model:churn@2	{"model": "churn", "run_id": "fe3d99d1-4739-4842-846b-b50e279e7306", "version": 2, "artifact_uri": "s3://models/churn/2"}	18e2a7633b7f8a11e5d5166ee7670299b5707423be4451874d907f1befbd6d86	24053c760f56be80ea87af6ae432411a29f532f2a99b496178ee7c02da13c46c
11	2026-02-02 09:00:00.048493+00	regress_guide_dana	stage.change	model:churn@2	{"to": "staging", "from": "none", "model": "churn", "version": 2}	24053c760f56be80ea87af6ae432411a29f532f2a99b496178ee7c02da13c46c	4d8ba00849ca5bd33a4b4e12cd9d3f0adeda4072855fc16dcf09075aacc76307
12	2026-02-02 09:00:00.058455+00	regress_guide_dana	transition.request	model:churn@2	{"to": "production", "from": "staging", "model": "churn", "comment": "deeper trees", "request": 2, "version": 2}	4d8ba00849ca5bd33a4b4e12cd9d3f0adeda4072855fc16dcf09075aacc76307	48cbf8ac1beae9a05a67d24fec78be6ea8eb2a6d43f994e907ed9d5dac608dfc
13	2026-02-03 16:20:00.016105+00	regress_guide_bob	transition.reject	model:churn@2	{"to": "production", "model": "churn", "comment": "wait for the February holdout", "request": 2, "version": 2, "requested_by": "regress_guide_dana"}	48cbf8ac1beae9a05a67d24fec78be6ea8eb2a6d43f994e907ed9d5dac608dfc	99f8b5ba95fbb9baa5b168684ded23e2a40dc2a957e8d75c48a7963c0b04e39a
14	2026-02-05 09:10:00.016482+00	regress_guide_dana	transition.request	model:churn@2	{"to": "production", "from": "staging", "model": "churn", "comment": "holdout confirms", "request": 3, "version": 2}	99f8b5ba95fbb9baa5b168684ded23e2a40dc2a957e8d75c48a7963c0b04e39a	a59a107fab5196ffdff1d0815f80a78825539a492aeff7a2343f0e2ea120f5c2
15	2026-02-06 11:00:00.005781+00	regress_guide_alice	transition.approve	model:churn@2	{"to": "production", "model": "churn", "comment": null, "request": 3, "version": 2, "requested_by": "regress_guide_dana"}	a59a107fab5196ffdff1d0815f80a78825539a492aeff7a2343f0e2ea120f5c2	c99734645f254256132db5f7b885aeae2553c942abd403cb712d5c02232cc261
16	2026-02-06 15:30:00.004226+00	regress_guide_bob	transition.approve	model:churn@2	{"to": "production", "model": "churn", "comment": "ok after holdout", "request": 3, "version": 2, "requested_by": "regress_guide_dana"}	c99734645f254256132db5f7b885aeae2553c942abd403cb712d5c02232cc261	323477ac6f9ef89159b4f3ab7e56b6b7c8555d2631db2e4d73c1f98ba48d1b03
17	2026-02-09 08:00:00.030456+00	regress_guide_dana	stage.change	model:churn@1	{"to": "archived", "from": "production", "model": "churn", "version": 1, "replaced_by_version": 2}	323477ac6f9ef89159b4f3ab7e56b6b7c8555d2631db2e4d73c1f98ba48d1b03	7a644fb31fa12f2f0b685d2e458be9ff7cbf4af714e042c6f036416f64049b5f
18	2026-02-09 08:00:00.032946+00	regress_guide_dana	stage.change	model:churn@2	{"to": "production", "from": "staging", "gates": "auc=0.87 >= 0.8, auc=0.87 >= production version 1 (0.84)", "model": "churn", "comment": "release 2026.2", "request": 3, "version": 2, "approvals": 2, "archived_versions": [1]}	7a644fb31fa12f2f0b685d2e458be9ff7cbf4af714e042c6f036416f64049b5f	c738e099e2337fb267fb24f5d363d5c77699cfa70a88c9b8b7ce65bc69123c01
19	2026-02-09 08:00:00.050445+00	regress_guide_dana	alias.set	model:churn#champion	{"alias": "champion", "model": "churn", "version": 2}	c738e099e2337fb267fb24f5d363d5c77699cfa70a88c9b8b7ce65bc69123c01	7260e7a44128e2f1d60e4f330f54b22b11fb32b21e1008e8754eacc9760ce460
20	2026-02-09 08:00:00.063607+00	regress_guide_dana	alias.set	model:churn#previous	{"alias": "previous", "model": "churn", "version": 1}	7260e7a44128e2f1d60e4f330f54b22b11fb32b21e1008e8754eacc9760ce460	1c9836b2dd70d49c56200484230be41337efe189d4508b9ef8c23e25aa4e53e0
21	2026-02-10 13:00:00.005707+00	regress_guide_dana	version.create	model:fraud@1	{"model": "fraud", "run_id": "247037fd-b91e-4069-b44e-6edb333aea76", "version": 1, "artifact_uri": "s3://models/fraud/1"}	1c9836b2dd70d49c56200484230be41337efe189d4508b9ef8c23e25aa4e53e0	2185794d55d35f39cd900e14a7bbd6396e16d69ae7aa0fa82d50bf91d2ed1510
22	2026-02-10 13:00:00.015723+00	regress_guide_dana	stage.change	model:fraud@1	{"to": "staging", "from": "none", "model": "fraud", "version": 1}	2185794d55d35f39cd900e14a7bbd6396e16d69ae7aa0fa82d50bf91d2ed1510	3d45a8934bb793cc48159538bdef8e8e2edaae21e401e88aab9238fcef6592e4
23	2026-02-10 13:00:00.023537+00	regress_guide_dana	transition.request	model:fraud@1	{"to": "production", "from": "staging", "model": "fraud", "comment": null, "request": 4, "version": 1}	3d45a8934bb793cc48159538bdef8e8e2edaae21e401e88aab9238fcef6592e4	0becfe0f1701c17b2e5d408893f1f7c85f593cc0ba01e570a20362a4f2535dc8
24	2026-02-20 22:45:00.007153+00	postgres	stage.change	model:churn@1	{"to": "staging", "from": "archived", "model": "churn", "comment": "rollback candidate", "version": 1}	0becfe0f1701c17b2e5d408893f1f7c85f593cc0ba01e570a20362a4f2535dc8	5a97d8cf7781aefb163f457e59411fedd1a6a4d7619226dbbf1c6707acbc9eca
25	2026-02-24 09:00:00.073247+00	regress_guide_dana	version.create	model:churn@3	{"model": "churn", "run_id": "fcbe394a-4021-41a8-9d94-460909aca187", "version": 3, "artifact_uri": "s3://models/churn/3"}	5a97d8cf7781aefb163f457e59411fedd1a6a4d7619226dbbf1c6707acbc9eca	0f9d9faff1e060ae25c608e447ad839be04ff6c60c5407decbe92e54556b4e0f
26	2026-02-24 09:00:00.081733+00	regress_guide_dana	stage.change	model:churn@3	{"to": "staging", "from": "none", "model": "churn", "version": 3}	0f9d9faff1e060ae25c608e447ad839be04ff6c60c5407decbe92e54556b4e0f	a3f0be380b23e0f5470f2b4fdba065b4e8025c5ee15b19f18e398b70ac54e1e8
27	2026-02-24 09:00:00.088537+00	regress_guide_dana	transition.request	model:churn@3	{"to": "production", "from": "staging", "model": "churn", "comment": "best auc so far", "request": 5, "version": 3}	a3f0be380b23e0f5470f2b4fdba065b4e8025c5ee15b19f18e398b70ac54e1e8	9070f3af4b7660c99a5122b785ca2b9173a64364ef2b3d2f7fce07bca53ff073
28	2026-02-25 10:00:00.004526+00	regress_guide_alice	transition.approve	model:churn@3	{"to": "production", "model": "churn", "comment": null, "request": 5, "version": 3, "requested_by": "regress_guide_dana"}	9070f3af4b7660c99a5122b785ca2b9173a64364ef2b3d2f7fce07bca53ff073	78df55e43e0ddcca9b0045d917ab64488df3cd29d59ae2bb2a107707a77c431d
29	2026-03-02 09:00:00.003308+00	regress_guide_alice	transition.approve	model:fraud@1	{"to": "production", "model": "fraud", "comment": null, "request": 4, "version": 1, "requested_by": "regress_guide_dana"}	78df55e43e0ddcca9b0045d917ab64488df3cd29d59ae2bb2a107707a77c431d	1e43b3e0c62971863a6c37e352d33d78c7d4da556a3e98484510c45d07e3bb4b
30	2026-03-02 14:00:00.003431+00	regress_guide_bob	transition.approve	model:fraud@1	{"to": "production", "model": "fraud", "comment": null, "request": 4, "version": 1, "requested_by": "regress_guide_dana"}	1e43b3e0c62971863a6c37e352d33d78c7d4da556a3e98484510c45d07e3bb4b	4a83995fd2904f5e52bbb2ff2f3c1037b583b426c1f8ec1b68e146e1551c3985
31	2026-03-03 08:00:00.035764+00	regress_guide_dana	stage.change	model:fraud@1	{"to": "production", "from": "staging", "gates": "auc=0.93 >= 0.8, auc=0.93 (no production baseline)", "model": "fraud", "comment": "release 2026.3", "request": 4, "version": 1, "approvals": 2}	4a83995fd2904f5e52bbb2ff2f3c1037b583b426c1f8ec1b68e146e1551c3985	8d195625b7eab11b511c0b328344dbd9740f01d04ea05423c2e9ef203d0da3c5
32	2026-03-04 12:00:00.022498+00	regress_guide_admin	policy.insert	policy:fraud/production	{"after": {"id": 2, "gates": [{"op": ">=", "value": 0.9, "metric": "auc"}], "model_id": 2, "to_stage": "production", "updated_at": "2026-03-04T12:00:00.006884+00:00", "updated_by": "regress_guide_admin", "approver_role": "mlops_approver", "min_approvals": 1, "allow_self_approval": false}, "before": null}	8d195625b7eab11b511c0b328344dbd9740f01d04ea05423c2e9ef203d0da3c5	4b08ce6dcb0df0cdd683ca5449a1690635776032b5542c233bc1bbfb5825026b
\.
ALTER TABLE mlops.audit_log ENABLE TRIGGER ALL;
ALTER TABLE mlops.latest_metrics DISABLE TRIGGER ALL;
COPY mlops.latest_metrics (id, run_id, key, step, ts, value) FROM stdin;
1	f70d27fb-b175-4342-985e-968b55943ff6	auc	0	2026-01-06 10:00:00.032465+00	0.84
2	f70d27fb-b175-4342-985e-968b55943ff6	f1	0	2026-01-06 10:00:00.043113+00	0.71
3	247037fd-b91e-4069-b44e-6edb333aea76	auc	0	2026-01-06 10:00:00.060015+00	0.93
4	fe3d99d1-4739-4842-846b-b50e279e7306	auc	0	2026-02-02 09:00:00.014501+00	0.87
5	fe3d99d1-4739-4842-846b-b50e279e7306	f1	0	2026-02-02 09:00:00.021078+00	0.74
6	fcbe394a-4021-41a8-9d94-460909aca187	auc	0	2026-02-24 09:00:00.030741+00	0.91
\.
ALTER TABLE mlops.latest_metrics ENABLE TRIGGER ALL;
ALTER TABLE mlops.metrics DISABLE TRIGGER ALL;
COPY mlops.metrics (id, run_id, key, step, ts, value) FROM stdin;
1	f70d27fb-b175-4342-985e-968b55943ff6	auc	0	2026-01-06 10:00:00.032465+00	0.84
2	f70d27fb-b175-4342-985e-968b55943ff6	f1	0	2026-01-06 10:00:00.043113+00	0.71
3	247037fd-b91e-4069-b44e-6edb333aea76	auc	0	2026-01-06 10:00:00.060015+00	0.93
4	fe3d99d1-4739-4842-846b-b50e279e7306	auc	0	2026-02-02 09:00:00.014501+00	0.87
5	fe3d99d1-4739-4842-846b-b50e279e7306	f1	0	2026-02-02 09:00:00.021078+00	0.74
6	fcbe394a-4021-41a8-9d94-460909aca187	auc	0	2026-02-24 09:00:00.030741+00	0.91
\.
ALTER TABLE mlops.metrics ENABLE TRIGGER ALL;
ALTER TABLE mlops.model_aliases DISABLE TRIGGER ALL;
COPY mlops.model_aliases (id, model_id, alias, model_version_id, valid_from, valid_to, set_by, closed_by) FROM stdin;
1	1	champion	2	2026-02-09 08:00:00.047375+00	\N	regress_guide_dana	\N
2	1	previous	1	2026-02-09 08:00:00.062402+00	\N	regress_guide_dana	\N
\.
ALTER TABLE mlops.model_aliases ENABLE TRIGGER ALL;
ALTER TABLE mlops.params DISABLE TRIGGER ALL;
COPY mlops.params (id, run_id, key, value) FROM stdin;
1	f70d27fb-b175-4342-985e-968b55943ff6	depth	4
2	f70d27fb-b175-4342-985e-968b55943ff6	lr	0.1
3	247037fd-b91e-4069-b44e-6edb333aea76	trees	300
4	fe3d99d1-4739-4842-846b-b50e279e7306	depth	6
5	fe3d99d1-4739-4842-846b-b50e279e7306	lr	0.05
6	fcbe394a-4021-41a8-9d94-460909aca187	depth	8
7	fcbe394a-4021-41a8-9d94-460909aca187	lr	0.02
\.
ALTER TABLE mlops.params ENABLE TRIGGER ALL;
ALTER TABLE mlops.policies DISABLE TRIGGER ALL;
COPY mlops.policies (id, model_id, to_stage, min_approvals, approver_role, allow_self_approval, gates, updated_by, updated_at) FROM stdin;
1	\N	production	2	mlops_approver	f	[{"op": ">=", "value": 0.8, "metric": "auc"}, {"op": ">=", "metric": "auc", "baseline": "production"}]	regress_guide_admin	2026-01-05 09:00:00.001894+00
2	2	production	1	mlops_approver	f	[{"op": ">=", "value": 0.9, "metric": "auc"}]	regress_guide_admin	2026-03-04 12:00:00.006884+00
\.
ALTER TABLE mlops.policies ENABLE TRIGGER ALL;
ALTER TABLE mlops.stage_history DISABLE TRIGGER ALL;
COPY mlops.stage_history (id, model_version_id, model_id, stage, valid_from, valid_to) FROM stdin;
1	1	1	none	2026-01-07 11:00:00.011028+00	2026-01-07 11:00:00.065251+00
2	1	1	staging	2026-01-07 11:00:00.065251+00	2026-01-12 08:00:00.021769+00
4	2	1	none	2026-02-02 09:00:00.035662+00	2026-02-02 09:00:00.047668+00
3	1	1	production	2026-01-12 08:00:00.021769+00	2026-02-09 08:00:00.026466+00
5	2	1	staging	2026-02-02 09:00:00.047668+00	2026-02-09 08:00:00.026466+00
7	2	1	production	2026-02-09 08:00:00.026466+00	\N
8	3	2	none	2026-02-10 13:00:00.005284+00	2026-02-10 13:00:00.01513+00
6	1	1	archived	2026-02-09 08:00:00.026466+00	2026-02-20 22:45:00.006454+00
10	1	1	staging	2026-02-20 22:45:00.006454+00	\N
11	4	1	none	2026-02-24 09:00:00.072751+00	2026-02-24 09:00:00.081063+00
12	4	1	staging	2026-02-24 09:00:00.081063+00	\N
9	3	2	staging	2026-02-10 13:00:00.01513+00	2026-03-03 08:00:00.029497+00
13	3	2	production	2026-03-03 08:00:00.029497+00	\N
14	5	3	none	2025-11-03 00:00:00+00	2025-12-01 00:00:00+00
15	5	3	production	2025-12-01 00:00:00+00	\N
\.
ALTER TABLE mlops.stage_history ENABLE TRIGGER ALL;
SELECT pg_catalog.setval('mlops.approvals_id_seq', 8, true);
SELECT pg_catalog.setval('mlops.audit_log_id_seq', 32, true);
SELECT pg_catalog.setval('mlops.experiments_id_seq', 4, true);
SELECT pg_catalog.setval('mlops.latest_metrics_id_seq', 6, true);
SELECT pg_catalog.setval('mlops.metrics_id_seq', 6, true);
SELECT pg_catalog.setval('mlops.model_aliases_id_seq', 2, true);
SELECT pg_catalog.setval('mlops.model_versions_id_seq', 5, true);
SELECT pg_catalog.setval('mlops.models_id_seq', 3, true);
SELECT pg_catalog.setval('mlops.params_id_seq', 7, true);
SELECT pg_catalog.setval('mlops.policies_id_seq', 2, true);
SELECT pg_catalog.setval('mlops.stage_history_id_seq', 15, true);
SELECT pg_catalog.setval('mlops.transition_requests_id_seq', 5, true);

-- the restored chain verifies
SELECT mlops.verify_audit_chain() IS NULL AS intact;

-- ------------------------------------------------ the guide, as an auditor
SET SESSION AUTHORIZATION regress_guide_auditor;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\set model 'churn'
\set person 'regress_guide_alice'
\set from '2026-02-01'
\set to '2026-03-01'
\set logins 'regress\\_guide\\_%'

-- guide: who moved a model to production, and who approved it
SELECT changed_at, version, from_stage, changed_by, change_kind, request_id,
       requested_by, approved_by, gates_checked, left_at
  FROM mlops.stage_history_readable
 WHERE model = :'model' AND to_stage = 'production'
 ORDER BY changed_at;
SELECT mlops.production_version(:'model', '2026-02-15 12:00+00') AS in_production_then;
SELECT model, version, since, promoted_by, change_kind, requested_by, approved_by,
       gates_checked, previous_version
  FROM mlops.production_models
 ORDER BY model;

-- guide: every promotion in a date range, with its gates
SELECT changed_at, model, version, change_kind, changed_by, approved_by, gates_checked
  FROM mlops.stage_history_readable
 WHERE to_stage = 'production'
   AND changed_at >= :'from' AND changed_at < :'to'
 ORDER BY changed_at;

-- guide: every decision a person made
SELECT t.at, t.action, t.model, t.version, t.to_stage, t.request_id,
       r.status AS request_status, t.comment
  FROM mlops.audit_trail t
  JOIN mlops.transition_requests r ON r.id = t.request_id
 WHERE t.actor = :'person' AND t.action IN ('transition.approve', 'transition.reject')
 ORDER BY t.at;

-- guide: everything done outside governance
SELECT changed_at, model, version, from_stage, to_stage, change_kind, changed_by, comment
  FROM mlops.stage_history_readable
 WHERE change_kind IN ('superuser', 'import')
    OR (change_kind = 'direct' AND to_stage = 'production')
 ORDER BY changed_at;
SELECT r.model, r.version, r.stage, r.created_by, r.created_at
  FROM mlops.model_registry r
 WHERE NOT EXISTS (SELECT 1 FROM mlops.audit_trail t
                    WHERE t.action = 'version.create' AND t.model = r.model AND t.version = r.version)
 ORDER BY r.model, r.version;
SELECT d.request_id, d.decision, COALESCE(d.approver_session, d.approver) AS login, d.at
  FROM mlops.approvals d
 WHERE NOT EXISTS (SELECT 1 FROM mlops.audit_trail t
                    WHERE t.request_id = d.request_id
                      AND t.action = 'transition.' || d.decision
                      AND t.actor = COALESCE(d.approver_session, d.approver)::text)
 ORDER BY d.at;
SELECT at, actor, action, object_name, to_stage,
       detail -> 'before' ->> 'min_approvals' AS min_approvals_before,
       detail -> 'after' ->> 'min_approvals' AS min_approvals_after,
       detail -> 'after' ->> 'gates' AS gates_after
  FROM mlops.audit_trail
 WHERE object_kind IN ('policy', 'stage', 'stage_transition')
 ORDER BY at;

-- guide: versions whose run did not finish but were promoted (must be none)
SELECT s.changed_at, s.model, s.version, s.changed_by, r.run_name, r.run_status
  FROM mlops.stage_history_readable s
  JOIN mlops.model_registry r ON r.model = s.model AND r.version = s.version
 WHERE s.to_stage = 'production' AND r.run_status <> 'FINISHED'
 ORDER BY s.changed_at;
SELECT request_id, model, version, run_status, approvals, approvals_needed, ready
  FROM mlops.pending_requests
 WHERE run_status <> 'FINISHED'
 ORDER BY request_id;

-- guide: the hash chain and its anchors
SELECT mlops.verify_audit_chain() AS first_broken_row;
SELECT id, hash FROM mlops.audit_head();
\set anchor_id 32
\set anchor_hash '4b08ce6dcb0df0cdd683ca5449a1690635776032b5542c233bc1bbfb5825026b'
SELECT mlops.verify_audit_chain(:anchor_id, :'anchor_hash') AS broken_at;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        PERFORM cron.schedule('mlops-verify-audit-chain', '30 2 * * *', $job$
            DO $check$
            BEGIN
                IF mlops.verify_audit_chain() IS NOT NULL THEN
                    RAISE EXCEPTION 'mlops audit chain broken at row %', mlops.verify_audit_chain();
                END IF;
            END
            $check$
        $job$);
    ELSE
        RAISE NOTICE 'pg_cron is not installed here: schedule the check with cron or a systemd timer';
    END IF;
END
$$;

-- guide: pgaudit
SELECT name, setting FROM pg_settings WHERE name LIKE 'pgaudit.%' ORDER BY name;

-- guide: roles and who holds them
SELECT g.role,
       string_agg(l.rolname, ', ' ORDER BY l.rolname) AS logins
  FROM unnest(ARRAY['mlops_reader', 'mlops_writer', 'mlops_approver', 'mlops_admin']) AS g(role)
  LEFT JOIN pg_roles l ON l.rolcanlogin AND NOT l.rolsuper AND l.rolname LIKE :'logins'
                        AND pg_has_role(l.oid, g.role, 'MEMBER')
 GROUP BY g.role
 ORDER BY g.role;
SELECT rolname AS superuser FROM pg_roles WHERE rolsuper ORDER BY rolname;
SELECT role_name, privileges, object_name
  FROM mlops.role_grants
 WHERE role_name IN ('mlops_approver', 'mlops_admin')
 ORDER BY role_name, object_name;
SELECT COALESCE(m.name, '*') AS model, p.to_stage, p.min_approvals, p.approver_role,
       p.allow_self_approval, p.gates
  FROM mlops.policies p
  LEFT JOIN mlops.models m ON m.id = p.model_id
 ORDER BY 1, 2;

-- guide: activity per person and month
SELECT month, actor, requests, approvals, rejections, promotions,
       ungoverned_stage_changes, config_changes
  FROM mlops.audit_actor_summary
 ORDER BY month, actor;
RESET SESSION AUTHORIZATION;
RESET TimeZone;
RESET DateStyle;

-- ------------------------------------------------ the checks catch what they should
-- a rewritten row breaks the chain there; removing the newest row is caught by the anchor only
BEGIN;
UPDATE mlops.audit_log SET actor = 'regress_guide_bob' WHERE id = 7;
SELECT mlops.verify_audit_chain() AS first_broken_row;
ROLLBACK;
BEGIN;
DELETE FROM mlops.audit_log WHERE id = 32;
SELECT mlops.verify_audit_chain() AS first_broken_row,
       mlops.verify_audit_chain(:anchor_id, :'anchor_hash') AS broken_at;
ROLLBACK;
-- the version of a FAILED run, once promoted, is listed
BEGIN;
SET SESSION AUTHORIZATION regress_guide_bob;
SELECT mlops.approve(5);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_guide_dana;
SELECT mlops.transition('churn', 3, 'production');
RESET SESSION AUTHORIZATION;
SELECT s.model, s.version, s.changed_by, r.run_name, r.run_status
  FROM mlops.stage_history_readable s
  JOIN mlops.model_registry r ON r.model = s.model AND r.version = s.version
 WHERE s.to_stage = 'production' AND r.run_status <> 'FINISHED'
 ORDER BY s.changed_at;
ROLLBACK;

-- clean up
SET client_min_messages = warning;
DROP EXTENSION mlops CASCADE;
RESET client_min_messages;
DROP ROLE regress_guide_dana, regress_guide_alice, regress_guide_bob, regress_guide_admin, regress_guide_auditor;
