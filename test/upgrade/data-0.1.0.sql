--
-- PostgreSQL database dump
--


-- Dumped from mlops 0.1.0 by test/upgrade/fill-0.1.0.sql

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Data for Name: experiments; Type: TABLE DATA; Schema: mlops; Owner: -
--

SET SESSION AUTHORIZATION DEFAULT;

ALTER TABLE mlops.experiments DISABLE TRIGGER ALL;

COPY mlops.experiments (id, name, tags, created_at, created_by) FROM stdin;
1	churn	{"team": "growth"}	2026-11-28 18:49:42.769238+00	upg_writer
6	fraud	{}	2026-11-28 18:49:43.005391+00	upg_writer
\.


ALTER TABLE mlops.experiments ENABLE TRIGGER ALL;

--
-- Data for Name: models; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.models DISABLE TRIGGER ALL;

COPY mlops.models (id, name, description, created_by, created_at, last_version) FROM stdin;
1	churn	churn classifier	postgres	2026-11-28 18:49:43.01115+00	3
\.


ALTER TABLE mlops.models ENABLE TRIGGER ALL;

--
-- Data for Name: runs; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.runs DISABLE TRIGGER ALL;

COPY mlops.runs (id, experiment_id, name, status, start_time, end_time, created_by, parent_run_id) FROM stdin;
bdd54416-9ff1-4f79-8808-814d6409cc51	1	lr-0.1	FINISHED	2026-11-28 18:49:42.792726+00	2026-11-28 18:49:42.990911+00	upg_writer	\N
659116fb-3774-431c-b141-afb70107181d	1	lr-0.01	FINISHED	2026-11-28 18:49:42.792726+00	2026-11-28 18:49:42.990911+00	upg_writer	\N
fb1e955b-4b44-4d49-9598-91a1f2f23ad0	1	child	FINISHED	2026-11-28 18:49:42.981904+00	2026-11-28 18:49:42.990911+00	upg_writer	659116fb-3774-431c-b141-afb70107181d
03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	1	lr-0.001	FAILED	2026-11-28 18:49:42.792726+00	2026-11-28 18:49:42.9999+00	upg_writer	\N
18bc772a-867e-42a9-8d84-807a286296a7	6	still-running	RUNNING	2026-11-28 18:49:43.005391+00	\N	upg_writer	\N
\.


ALTER TABLE mlops.runs ENABLE TRIGGER ALL;

--
-- Data for Name: stages; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.stages DISABLE TRIGGER ALL;

COPY mlops.stages (id, name, exclusive, description, builtin, added_by) FROM stdin;
\.


ALTER TABLE mlops.stages ENABLE TRIGGER ALL;

--
-- Data for Name: model_versions; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.model_versions DISABLE TRIGGER ALL;

COPY mlops.model_versions (id, model_id, version, run_id, artifact_uri, stage, stage_exclusive, description, created_by, created_at, stage_changed_at) FROM stdin;
3	1	3	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	s3://bucket/03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97/model.pkl	none	f	\N	postgres	2026-11-28 18:49:43.026904+00	2026-11-28 18:49:43.026904+00
1	1	1	bdd54416-9ff1-4f79-8808-814d6409cc51	s3://bucket/bdd54416-9ff1-4f79-8808-814d6409cc51/model.pkl	archived	f	\N	postgres	2026-11-28 18:49:43.026904+00	2026-11-28 18:49:43.108951+00
2	1	2	659116fb-3774-431c-b141-afb70107181d	s3://bucket/659116fb-3774-431c-b141-afb70107181d/model.pkl	production	t	\N	postgres	2026-11-28 18:49:43.026904+00	2026-11-28 18:49:43.108951+00
\.


ALTER TABLE mlops.model_versions ENABLE TRIGGER ALL;

--
-- Data for Name: transition_requests; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.transition_requests DISABLE TRIGGER ALL;

COPY mlops.transition_requests (id, model_version_id, from_stage, to_stage, status, comment, requested_by, requested_session, requested_at, closed_by, closed_at) FROM stdin;
1	1	staging	production	consumed	first model	upg_writer	upg_writer	2026-11-28 18:49:43.072199+00	upg_writer	2026-11-28 18:49:43.087858+00
2	2	staging	production	consumed	\N	upg_writer	upg_writer	2026-11-28 18:49:43.101835+00	upg_writer	2026-11-28 18:49:43.108951+00
3	3	none	staging	open	left open	upg_writer	upg_writer	2026-11-28 18:49:43.136193+00	\N	\N
\.


ALTER TABLE mlops.transition_requests ENABLE TRIGGER ALL;

--
-- Data for Name: approvals; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.approvals DISABLE TRIGGER ALL;

COPY mlops.approvals (id, request_id, decision, approver, approver_session, comment, at) FROM stdin;
1	1	approve	upg_approver1	upg_approver1	ok	2026-11-28 18:49:43.077804+00
2	1	approve	upg_approver2	upg_approver2	ok too	2026-11-28 18:49:43.084774+00
3	2	approve	upg_approver1	upg_approver1	\N	2026-11-28 18:49:43.104348+00
4	2	approve	upg_approver2	upg_approver2	\N	2026-11-28 18:49:43.107057+00
\.


ALTER TABLE mlops.approvals ENABLE TRIGGER ALL;

--
-- Data for Name: artifacts; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.artifacts DISABLE TRIGGER ALL;

COPY mlops.artifacts (id, run_id, path, uri, sha256, size_bytes, created_at, created_by) FROM stdin;
1	bdd54416-9ff1-4f79-8808-814d6409cc51	model.pkl	s3://bucket/bdd54416-9ff1-4f79-8808-814d6409cc51/model.pkl	\N	\N	2026-11-28 18:49:42.970988+00	upg_writer
2	659116fb-3774-431c-b141-afb70107181d	model.pkl	s3://bucket/659116fb-3774-431c-b141-afb70107181d/model.pkl	\N	\N	2026-11-28 18:49:42.970988+00	upg_writer
3	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	model.pkl	s3://bucket/03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97/model.pkl	\N	\N	2026-11-28 18:49:42.970988+00	upg_writer
\.


ALTER TABLE mlops.artifacts ENABLE TRIGGER ALL;

--
-- Data for Name: audit_log; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.audit_log DISABLE TRIGGER ALL;

COPY mlops.audit_log (id, at, actor, action, entity, detail, prev_hash, hash) FROM stdin;
1	2026-11-28 18:49:43.013356+00	postgres	model.register	model:churn	{"model": "churn", "description": "churn classifier"}	\N	697a6fb79b65bcb736b0410eaaf4953429c018da246749752e999a8aa99191e0
2	2026-11-28 18:49:43.041213+00	postgres	version.create	model:churn@1	{"model": "churn", "run_id": "bdd54416-9ff1-4f79-8808-814d6409cc51", "version": 1, "artifact_uri": "s3://bucket/bdd54416-9ff1-4f79-8808-814d6409cc51/model.pkl"}	697a6fb79b65bcb736b0410eaaf4953429c018da246749752e999a8aa99191e0	cf853b9b38df68dff9fd7f0f8b88688772c9390cd00a7b08e6753ee36e9ae196
3	2026-11-28 18:49:43.050097+00	postgres	version.create	model:churn@2	{"model": "churn", "run_id": "659116fb-3774-431c-b141-afb70107181d", "version": 2, "artifact_uri": "s3://bucket/659116fb-3774-431c-b141-afb70107181d/model.pkl"}	cf853b9b38df68dff9fd7f0f8b88688772c9390cd00a7b08e6753ee36e9ae196	99874246d0e2f9f2eae9b8b36f2a042659c2b52b8a5c05731eef8094e470c808
4	2026-11-28 18:49:43.052275+00	postgres	version.create	model:churn@3	{"model": "churn", "run_id": "03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97", "version": 3, "artifact_uri": "s3://bucket/03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97/model.pkl"}	99874246d0e2f9f2eae9b8b36f2a042659c2b52b8a5c05731eef8094e470c808	295993d06ec0d3ac37ac7dfb672c3acec37b464435220e135e3e2669903d4b38
5	2026-11-28 18:49:43.059115+00	upg_admin	policy.insert	policy:churn/production	{"after": {"id": 1, "gates": [{"op": ">=", "value": 0.8, "metric": "auc"}], "model_id": 1, "to_stage": "production", "updated_at": "2026-11-28T18:49:43.053585+00:00", "updated_by": "upg_admin", "approver_role": "mlops_approver", "min_approvals": 2, "allow_self_approval": false}, "before": null}	295993d06ec0d3ac37ac7dfb672c3acec37b464435220e135e3e2669903d4b38	f2d882f7bbaacc55418353b9d0832873f6ccb4641d2f9ef0d7f64f14e1de3538
6	2026-11-28 18:49:43.070526+00	upg_writer	stage.change	model:churn@1	{"to": "staging", "from": "none", "model": "churn", "version": 1}	f2d882f7bbaacc55418353b9d0832873f6ccb4641d2f9ef0d7f64f14e1de3538	6c14e4572eb3c3857f8d0e6b923e5fab354387b1055ca4309b6f52b58784efd6
7	2026-11-28 18:49:43.0752+00	upg_writer	transition.request	model:churn@1	{"to": "production", "from": "staging", "model": "churn", "comment": "first model", "request": 1, "version": 1}	6c14e4572eb3c3857f8d0e6b923e5fab354387b1055ca4309b6f52b58784efd6	7aff69b615c4d50a54aa1ea1c7ae7786e8d440e0b1999dc96459c997b441c6bc
8	2026-11-28 18:49:43.081716+00	upg_approver1	transition.approve	model:churn@1	{"to": "production", "model": "churn", "comment": "ok", "request": 1, "version": 1, "requested_by": "upg_writer"}	7aff69b615c4d50a54aa1ea1c7ae7786e8d440e0b1999dc96459c997b441c6bc	1800be02472572160b75e08377c51f4e5a54ecff48519684152b0ff767bc4217
9	2026-11-28 18:49:43.086502+00	upg_approver2	transition.approve	model:churn@1	{"to": "production", "model": "churn", "comment": "ok too", "request": 1, "version": 1, "requested_by": "upg_writer"}	1800be02472572160b75e08377c51f4e5a54ecff48519684152b0ff767bc4217	bb8cfaca5822c2940367fa44b358573fb9dc4c9ece0e098043557d7e51b25add
10	2026-11-28 18:49:43.095951+00	upg_writer	stage.change	model:churn@1	{"to": "production", "from": "staging", "gates": "auc=0.81 >= 0.8", "model": "churn", "comment": "go", "request": 1, "version": 1, "approvals": 2}	bb8cfaca5822c2940367fa44b358573fb9dc4c9ece0e098043557d7e51b25add	b3e93884c03222fbbc0fd14a3b2108ead111884c449ed68070214ec9519630a7
11	2026-11-28 18:49:43.100565+00	upg_writer	stage.change	model:churn@2	{"to": "staging", "from": "none", "model": "churn", "version": 2}	b3e93884c03222fbbc0fd14a3b2108ead111884c449ed68070214ec9519630a7	0a6270a3977bced0f158a56ac3b12feea671f9ec8bf181c5213741abb4c8aca0
12	2026-11-28 18:49:43.103273+00	upg_writer	transition.request	model:churn@2	{"to": "production", "from": "staging", "model": "churn", "comment": null, "request": 2, "version": 2}	0a6270a3977bced0f158a56ac3b12feea671f9ec8bf181c5213741abb4c8aca0	ccb7e05eeb92dd6a3c84e33aad44a797d96d1efbe5f95e5b5cbfce0e26cad764
13	2026-11-28 18:49:43.105592+00	upg_approver1	transition.approve	model:churn@2	{"to": "production", "model": "churn", "comment": null, "request": 2, "version": 2, "requested_by": "upg_writer"}	ccb7e05eeb92dd6a3c84e33aad44a797d96d1efbe5f95e5b5cbfce0e26cad764	138d1576770e8f642b9d907e5e906a69bcdfcbad31f7630387c048ca4c0603bd
14	2026-11-28 18:49:43.108117+00	upg_approver2	transition.approve	model:churn@2	{"to": "production", "model": "churn", "comment": null, "request": 2, "version": 2, "requested_by": "upg_writer"}	138d1576770e8f642b9d907e5e906a69bcdfcbad31f7630387c048ca4c0603bd	d6e95730c92a7e1ec107317534f478144a5f23b9714bbe9e0152a686b04c14e2
15	2026-11-28 18:49:43.114701+00	upg_writer	stage.change	model:churn@1	{"to": "archived", "from": "production", "model": "churn", "version": 1, "replaced_by_version": 2}	d6e95730c92a7e1ec107317534f478144a5f23b9714bbe9e0152a686b04c14e2	6fcd9ae7ee4d5cda1736084c30b31f3fb63958c716f879bd63fbf964ed15f616
16	2026-11-28 18:49:43.115498+00	upg_writer	stage.change	model:churn@2	{"to": "production", "from": "staging", "gates": "auc=0.88 >= 0.8", "model": "churn", "request": 2, "version": 2, "approvals": 2, "archived_versions": [1]}	6fcd9ae7ee4d5cda1736084c30b31f3fb63958c716f879bd63fbf964ed15f616	15cfbbfa47a339171dacdaf6dd2b140e1a4e141510cd816c54bdef5633f1ca86
17	2026-11-28 18:49:43.11979+00	upg_writer	alias.set	model:churn#champion	{"alias": "champion", "model": "churn", "version": 2}	15cfbbfa47a339171dacdaf6dd2b140e1a4e141510cd816c54bdef5633f1ca86	cc63b6828ddf985961222a1a4e55491bbc73a039a7ae522a3074cc617622e1c2
18	2026-11-28 18:49:43.128491+00	upg_writer	alias.set	model:churn#challenger	{"alias": "challenger", "model": "churn", "version": 1}	cc63b6828ddf985961222a1a4e55491bbc73a039a7ae522a3074cc617622e1c2	133c1b98e5d8f581ca4cc558a944192ac26071bb3788a349ed79e02bfc09b672
19	2026-11-28 18:49:43.135186+00	upg_writer	alias.set	model:churn#challenger	{"alias": "challenger", "model": "churn", "version": 3, "previous_version": 1}	133c1b98e5d8f581ca4cc558a944192ac26071bb3788a349ed79e02bfc09b672	14620a503e376fdb304a5a8f2b070ae716ffbaa147f3aeecd3392fb8423c5684
20	2026-11-28 18:49:43.137039+00	upg_writer	transition.request	model:churn@3	{"to": "staging", "from": "none", "model": "churn", "comment": "left open", "request": 3, "version": 3}	14620a503e376fdb304a5a8f2b070ae716ffbaa147f3aeecd3392fb8423c5684	c5cdab1cd1ea8794bdeec5706d998476038e67e4195cddbedcba5c1f9ba66888
\.


ALTER TABLE mlops.audit_log ENABLE TRIGGER ALL;

--
-- Data for Name: latest_metrics; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.latest_metrics DISABLE TRIGGER ALL;

COPY mlops.latest_metrics (id, run_id, key, step, ts, value) FROM stdin;
1	bdd54416-9ff1-4f79-8808-814d6409cc51	loss	9	2026-11-28 18:49:42.903295+00	0.1
2	659116fb-3774-431c-b141-afb70107181d	loss	9	2026-11-28 18:49:42.903295+00	0.1
3	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	loss	9	2026-11-28 18:49:42.903295+00	0.1
4	bdd54416-9ff1-4f79-8808-814d6409cc51	auc	0	2026-11-28 18:49:42.948583+00	0.81
5	659116fb-3774-431c-b141-afb70107181d	auc	0	2026-11-28 18:49:42.948583+00	0.88
6	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	auc	0	2026-11-28 18:49:42.948583+00	0.9
7	bdd54416-9ff1-4f79-8808-814d6409cc51	acc	10	2026-11-28 18:49:42.950166+00	0.9
8	bdd54416-9ff1-4f79-8808-814d6409cc51	f1	10	2026-11-28 18:49:42.950166+00	0.7
9	659116fb-3774-431c-b141-afb70107181d	acc	10	2026-11-28 18:49:42.950166+00	0.9
10	659116fb-3774-431c-b141-afb70107181d	f1	10	2026-11-28 18:49:42.950166+00	0.7
11	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	acc	10	2026-11-28 18:49:42.950166+00	0.9
12	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	f1	10	2026-11-28 18:49:42.950166+00	0.7
13	bdd54416-9ff1-4f79-8808-814d6409cc51	nan_metric	0	2026-11-28 18:49:42.96293+00	NaN
\.


ALTER TABLE mlops.latest_metrics ENABLE TRIGGER ALL;

--
-- Data for Name: metrics; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.metrics DISABLE TRIGGER ALL;

COPY mlops.metrics (id, run_id, key, step, ts, value) FROM stdin;
1	bdd54416-9ff1-4f79-8808-814d6409cc51	loss	0	2026-11-28 18:49:42.903295+00	1
2	659116fb-3774-431c-b141-afb70107181d	loss	0	2026-11-28 18:49:42.903295+00	1
3	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	loss	0	2026-11-28 18:49:42.903295+00	1
4	bdd54416-9ff1-4f79-8808-814d6409cc51	loss	1	2026-11-28 18:49:42.903295+00	0.5
5	659116fb-3774-431c-b141-afb70107181d	loss	1	2026-11-28 18:49:42.903295+00	0.5
6	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	loss	1	2026-11-28 18:49:42.903295+00	0.5
7	bdd54416-9ff1-4f79-8808-814d6409cc51	loss	2	2026-11-28 18:49:42.903295+00	0.3333333333333333
8	659116fb-3774-431c-b141-afb70107181d	loss	2	2026-11-28 18:49:42.903295+00	0.3333333333333333
9	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	loss	2	2026-11-28 18:49:42.903295+00	0.3333333333333333
10	bdd54416-9ff1-4f79-8808-814d6409cc51	loss	3	2026-11-28 18:49:42.903295+00	0.25
11	659116fb-3774-431c-b141-afb70107181d	loss	3	2026-11-28 18:49:42.903295+00	0.25
12	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	loss	3	2026-11-28 18:49:42.903295+00	0.25
13	bdd54416-9ff1-4f79-8808-814d6409cc51	loss	4	2026-11-28 18:49:42.903295+00	0.2
14	659116fb-3774-431c-b141-afb70107181d	loss	4	2026-11-28 18:49:42.903295+00	0.2
15	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	loss	4	2026-11-28 18:49:42.903295+00	0.2
16	bdd54416-9ff1-4f79-8808-814d6409cc51	loss	5	2026-11-28 18:49:42.903295+00	0.16666666666666666
17	659116fb-3774-431c-b141-afb70107181d	loss	5	2026-11-28 18:49:42.903295+00	0.16666666666666666
18	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	loss	5	2026-11-28 18:49:42.903295+00	0.16666666666666666
19	bdd54416-9ff1-4f79-8808-814d6409cc51	loss	6	2026-11-28 18:49:42.903295+00	0.14285714285714285
20	659116fb-3774-431c-b141-afb70107181d	loss	6	2026-11-28 18:49:42.903295+00	0.14285714285714285
21	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	loss	6	2026-11-28 18:49:42.903295+00	0.14285714285714285
22	bdd54416-9ff1-4f79-8808-814d6409cc51	loss	7	2026-11-28 18:49:42.903295+00	0.125
23	659116fb-3774-431c-b141-afb70107181d	loss	7	2026-11-28 18:49:42.903295+00	0.125
24	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	loss	7	2026-11-28 18:49:42.903295+00	0.125
25	bdd54416-9ff1-4f79-8808-814d6409cc51	loss	8	2026-11-28 18:49:42.903295+00	0.1111111111111111
26	659116fb-3774-431c-b141-afb70107181d	loss	8	2026-11-28 18:49:42.903295+00	0.1111111111111111
27	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	loss	8	2026-11-28 18:49:42.903295+00	0.1111111111111111
28	bdd54416-9ff1-4f79-8808-814d6409cc51	loss	9	2026-11-28 18:49:42.903295+00	0.1
29	659116fb-3774-431c-b141-afb70107181d	loss	9	2026-11-28 18:49:42.903295+00	0.1
30	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	loss	9	2026-11-28 18:49:42.903295+00	0.1
31	bdd54416-9ff1-4f79-8808-814d6409cc51	auc	0	2026-11-28 18:49:42.948583+00	0.81
32	659116fb-3774-431c-b141-afb70107181d	auc	0	2026-11-28 18:49:42.948583+00	0.88
33	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	auc	0	2026-11-28 18:49:42.948583+00	0.9
34	bdd54416-9ff1-4f79-8808-814d6409cc51	f1	10	2026-11-28 18:49:42.950166+00	0.7
35	bdd54416-9ff1-4f79-8808-814d6409cc51	acc	10	2026-11-28 18:49:42.950166+00	0.9
36	659116fb-3774-431c-b141-afb70107181d	f1	10	2026-11-28 18:49:42.950166+00	0.7
37	659116fb-3774-431c-b141-afb70107181d	acc	10	2026-11-28 18:49:42.950166+00	0.9
38	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	f1	10	2026-11-28 18:49:42.950166+00	0.7
39	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	acc	10	2026-11-28 18:49:42.950166+00	0.9
40	bdd54416-9ff1-4f79-8808-814d6409cc51	nan_metric	0	2026-11-28 18:49:42.96293+00	NaN
\.


ALTER TABLE mlops.metrics ENABLE TRIGGER ALL;

--
-- Data for Name: model_aliases; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.model_aliases DISABLE TRIGGER ALL;

COPY mlops.model_aliases (id, model_id, alias, model_version_id, valid_from, valid_to, set_by, closed_by) FROM stdin;
1	1	champion	2	2026-11-28 18:49:43.116183+00	\N	upg_writer	\N
2	1	challenger	1	2026-11-28 18:49:43.127008+00	2026-11-28 18:49:43.129432+00	upg_writer	upg_writer
3	1	challenger	3	2026-11-28 18:49:43.129432+00	\N	upg_writer	\N
\.


ALTER TABLE mlops.model_aliases ENABLE TRIGGER ALL;

--
-- Data for Name: params; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.params DISABLE TRIGGER ALL;

COPY mlops.params (id, run_id, key, value) FROM stdin;
1	bdd54416-9ff1-4f79-8808-814d6409cc51	depth	6
2	bdd54416-9ff1-4f79-8808-814d6409cc51	lr	0.1
3	659116fb-3774-431c-b141-afb70107181d	depth	6
4	659116fb-3774-431c-b141-afb70107181d	lr	0.01
5	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	depth	6
6	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	lr	0.001
7	18bc772a-867e-42a9-8d84-807a286296a7	k	5
\.


ALTER TABLE mlops.params ENABLE TRIGGER ALL;

--
-- Data for Name: policies; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.policies DISABLE TRIGGER ALL;

COPY mlops.policies (id, model_id, to_stage, min_approvals, approver_role, allow_self_approval, gates, updated_by, updated_at) FROM stdin;
1	1	production	2	mlops_approver	f	[{"op": ">=", "value": 0.8, "metric": "auc"}]	upg_admin	2026-11-28 18:49:43.053585+00
\.


ALTER TABLE mlops.policies ENABLE TRIGGER ALL;

--
-- Data for Name: run_inputs; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.run_inputs DISABLE TRIGGER ALL;

COPY mlops.run_inputs (id, run_id, dataset, version, context, created_at, created_by) FROM stdin;
\.


ALTER TABLE mlops.run_inputs ENABLE TRIGGER ALL;

--
-- Data for Name: stage_history; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.stage_history DISABLE TRIGGER ALL;

COPY mlops.stage_history (id, model_version_id, model_id, stage, valid_from, valid_to) FROM stdin;
3	3	1	none	2026-11-28 18:49:43.026904+00	\N
1	1	1	none	2026-11-28 18:49:43.026904+00	2026-11-28 18:49:43.061873+00
4	1	1	staging	2026-11-28 18:49:43.061873+00	2026-11-28 18:49:43.087858+00
2	2	1	none	2026-11-28 18:49:43.026904+00	2026-11-28 18:49:43.097517+00
5	1	1	production	2026-11-28 18:49:43.087858+00	2026-11-28 18:49:43.108951+00
7	1	1	archived	2026-11-28 18:49:43.108951+00	\N
6	2	1	staging	2026-11-28 18:49:43.097517+00	2026-11-28 18:49:43.108951+00
8	2	1	production	2026-11-28 18:49:43.108951+00	\N
\.


ALTER TABLE mlops.stage_history ENABLE TRIGGER ALL;

--
-- Data for Name: stage_transitions; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.stage_transitions DISABLE TRIGGER ALL;

COPY mlops.stage_transitions (id, from_stage, to_stage, builtin, added_by) FROM stdin;
\.


ALTER TABLE mlops.stage_transitions ENABLE TRIGGER ALL;

--
-- Data for Name: tags; Type: TABLE DATA; Schema: mlops; Owner: -
--

ALTER TABLE mlops.tags DISABLE TRIGGER ALL;

COPY mlops.tags (id, run_id, key, value) FROM stdin;
1	bdd54416-9ff1-4f79-8808-814d6409cc51	git.sha	abc123
2	659116fb-3774-431c-b141-afb70107181d	git.sha	abc123
3	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	git.sha	abc123
4	bdd54416-9ff1-4f79-8808-814d6409cc51	stage	tuning
5	659116fb-3774-431c-b141-afb70107181d	stage	tuning
6	03bb38e5-ebe9-474d-a0f9-c0f97c8b1d97	stage	tuning
\.


ALTER TABLE mlops.tags ENABLE TRIGGER ALL;

--
-- Name: approvals_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.approvals_id_seq', 4, true);


--
-- Name: artifacts_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.artifacts_id_seq', 3, true);


--
-- Name: audit_log_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.audit_log_id_seq', 20, true);


--
-- Name: experiments_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.experiments_id_seq', 6, true);


--
-- Name: latest_metrics_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.latest_metrics_id_seq', 13, true);


--
-- Name: metrics_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.metrics_id_seq', 40, true);


--
-- Name: model_aliases_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.model_aliases_id_seq', 3, true);


--
-- Name: model_versions_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.model_versions_id_seq', 3, true);


--
-- Name: models_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.models_id_seq', 1, true);


--
-- Name: params_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.params_id_seq', 7, true);


--
-- Name: policies_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.policies_id_seq', 1, true);


--
-- Name: run_inputs_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.run_inputs_id_seq', 1, false);


--
-- Name: stage_history_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.stage_history_id_seq', 8, true);


--
-- Name: stage_transitions_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.stage_transitions_id_seq', 9, true);


--
-- Name: stages_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.stages_id_seq', 4, true);


--
-- Name: tags_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.tags_id_seq', 6, true);


--
-- Name: transition_requests_id_seq; Type: SEQUENCE SET; Schema: mlops; Owner: -
--

SELECT pg_catalog.setval('mlops.transition_requests_id_seq', 3, true);


--
-- PostgreSQL database dump complete
--


