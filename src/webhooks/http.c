/*
 * http.c: the HTTP side of webhook deliveries: the JSON body (jansson), its
 * signature (PostgreSQL's HMAC) and the POSTs (libcurl's multi interface,
 * every due delivery in parallel).
 *
 * Runs with no transaction open. Each request: http or https only, no
 * proxy, redirects not followed (a 3xx is a failed attempt), a connect and
 * a total timeout (mlops.webhook_timeout), at most WH_MAX_RESPONSE_BYTES of
 * the answer read, the host checked against mlops.webhook_allowed_hosts
 * before connecting and each resolved address after DNS (allow.c). The wait
 * polls in short steps and checks for interrupts between them, so SIGTERM
 * ends the worker at once; the deliveries it cut off stay in_flight and go
 * out again, same delivery id, after the restart.
 *
 * One multi handle lives as long as the worker: its connection cache keeps
 * connections open between requests and rounds (HTTP keep-alive), at most
 * WH_MAX_HOST_CONNECTIONS to one host and WH_MAX_CONNECTS kept idle. A
 * reused connection skips DNS and the open-socket callback, so the address
 * check is made again on the connection's peer address just before each
 * request is sent (the pre-request callback): a connection opened under an
 * earlier allow-list, or for a host the list names, carries no request the
 * current list would not let through.
 *
 * libcurl and jansson allocate with malloc: their objects are freed before
 * anything here can raise an error, or in the PG_CATCH that rethrows it.
 */
#include "postgres.h"

#include <curl/curl.h>
#include <jansson.h>
#include <sys/socket.h>

#include "common/hmac.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/pmsignal.h"
#include "utils/timestamp.h"

#include "guc.h"
#include "webhooks/webhooks_int.h"

/* How long one wait for network activity lasts before interrupts are checked. */
#define WH_POLL_MS 100

/*
 * Finished requests are recorded together, in one transaction: as many as
 * WH_DONE_BATCH, and none waits longer than WH_DONE_WAIT_MS for the others.
 */
#define WH_DONE_BATCH 16
#define WH_DONE_WAIT_MS 10

/*
 * Connections open at once to one host (more requests to it wait for one of
 * them), and idle connections kept in the cache.
 */
#define WH_MAX_HOST_CONNECTIONS 16
#define WH_MAX_CONNECTS 64

/* The worker's multi handle (NULL until the first request, or after an error). */
static CURLM *wh_multi = NULL;

/*
 * The body: {"event", "delivery_id", "occurred_at", "payload"}. The first
 * three are written by jansson (compact); the payload is the event's jsonb
 * text as stored, in UTF-8, spliced in verbatim: a parse into jansson would
 * turn numbers into C integers and doubles (12345678901234567890 fails, 0.1
 * becomes 0.10000000000000001) and text outside UTF-8 into nothing.
 */
char *
mlops_webhooks_body(const char *event, const char *delivery_id,
					const char *occurred_at, const char *payload_json)
{
	json_t	   *obj;
	char	   *head;
	size_t		len;
	StringInfoData body;

	/*
	 * json_pack, not json_object(): the server exports a json_object of its
	 * own (the SQL function), which a call from this library would bind to.
	 */
	obj = json_pack("{s:s, s:s, s:s}", "event", event, "delivery_id", delivery_id,
					"occurred_at", occurred_at);
	if (obj == NULL)
		elog(ERROR, "could not build the body of webhook delivery %s", delivery_id);
	head = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	len = head ? strlen(head) : 0;
	if (len < 2 || head[len - 1] != '}')
	{
		free(head);
		elog(ERROR, "could not build the body of webhook delivery %s", delivery_id);
	}
	initStringInfo(&body);
	appendBinaryStringInfo(&body, head, (int) len - 1);
	free(head);
	appendStringInfoString(&body, ",\"payload\":");
	appendStringInfoString(&body, payload_json
						   ? pg_server_to_any(payload_json, strlen(payload_json), PG_UTF8)
						   : "null");
	appendStringInfoChar(&body, '}');
	return body.data;
}

/* "sha256=" and the hex HMAC-SHA256 of body keyed with secret. */
char *
mlops_webhooks_signature(const char *secret, const char *body)
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char	   *out = palloc(7 + 2 * PG_SHA256_DIGEST_LENGTH + 1);
	bool		failed;

	if (ctx == NULL)
		elog(ERROR, "out of memory creating an HMAC context");
	failed = pg_hmac_init(ctx, (const uint8 *) secret, strlen(secret)) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) body, strlen(body)) < 0 ||
		pg_hmac_final(ctx, digest, sizeof(digest)) < 0;
	pg_hmac_free(ctx);
	if (failed)
		elog(ERROR, "could not compute the HMAC-SHA256 of a webhook body");
	strcpy(out, "sha256=");
	for (int i = 0; i < PG_SHA256_DIGEST_LENGTH; i++)
		sprintf(out + 7 + 2 * i, "%02x", digest[i]);
	return out;
}

/* Write callback: count the answer and refuse it past the cap (the rest is never read). */
static size_t
discard_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	WebhookSend *s = userdata;
	size_t		len = size * nmemb;

	s->received += len;
	if (s->received > WH_MAX_RESPONSE_BYTES)
	{
		s->capped = true;
		return 0;
	}
	return len;
}

/* Open-socket callback: connect only to resolved addresses the allow-list admits. */
static curl_socket_t
open_checked_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
	WebhookSend *s = clientp;

	if (s->check_address &&
		!mlops_webhooks_address_allowed(mlops_webhook_allowed_hosts, &address->addr))
	{
		s->refused_address = true;
		return CURL_SOCKET_BAD;
	}
	return socket(address->family, address->socktype, address->protocol);
}

/*
 * Pre-request callback, on a new or a reused connection: the peer address
 * must still be on the allow-list. A connection from the cache was opened for
 * an earlier request, perhaps one whose host the list names (no address
 * check then); this request is judged on its own.
 */
static int
check_connection(void *clientp, char *conn_primary_ip, char *conn_local_ip,
				 int conn_primary_port, int conn_local_port)
{
	WebhookSend *s = clientp;

	if (s->check_address &&
		!mlops_webhooks_address_text_allowed(mlops_webhook_allowed_hosts, conn_primary_ip))
	{
		s->refused_address = true;
		return CURL_PREREQFUNC_ABORT;
	}
	return CURL_PREREQFUNC_OK;
}

/* The host of a URL (palloc'd, IPv6 without brackets), or NULL when it does not parse. */
static char *
url_host(const char *url)
{
	CURLU	   *u = curl_url();
	char	   *host = NULL;
	char	   *result = NULL;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host)
	{
		size_t		len = strlen(host);

		if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
			result = pnstrdup(host + 1, len - 2);
		else
			result = pstrdup(host);
	}
	if (host)
		curl_free(host);
	if (u)
		curl_url_cleanup(u);
	return result;
}

/* A header line "name: value" appended to a curl list (malloc'd). */
static struct curl_slist *
add_header(struct curl_slist *list, const char *name, const char *value)
{
	char	   *line = psprintf("%s: %s", name, value);
	struct curl_slist *next = curl_slist_append(list, line);

	pfree(line);
	/* on failure the list stays with its owner, which frees it */
	if (next == NULL)
		elog(ERROR, "out of memory building webhook headers");
	return next;
}

/* Set up one request on s (its easy handle and headers); false, with s->error, if refused. */
static bool
prepare_request(WebhookSend *s)
{
	char	   *host = url_host(s->url);
	const char *refusal;
	CURL	   *easy;
	struct curl_slist *h = NULL;
	long		timeout = mlops_webhook_timeout_ms;

	if (host == NULL)
	{
		s->error = psprintf("invalid webhook URL");
		return false;
	}
	refusal = mlops_webhooks_host_refusal(mlops_webhook_allowed_hosts, host, &s->check_address);
	if (refusal)
	{
		s->error = pstrdup(refusal);
		return false;
	}
	s->headers = h = add_header(h, "Content-Type", "application/json");
	s->headers = h = add_header(h, "User-Agent", "mlops-webhooks/" MLOPS_VERSION);
	s->headers = h = add_header(h, "X-Mlops-Event", s->event);
	s->headers = h = add_header(h, "X-Mlops-Delivery", s->delivery_id);
	if (s->signature)
		s->headers = h = add_header(h, "X-Mlops-Signature", s->signature);
	/* no "Expect: 100-continue" round trip for large bodies */
	s->headers = h = add_header(h, "Expect", "");

	easy = curl_easy_init();
	if (easy == NULL)
		elog(ERROR, "could not create a libcurl handle");
	s->easy = easy;
	curl_easy_setopt(easy, CURLOPT_URL, s->url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_PROXY, "");
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	curl_easy_setopt(easy, CURLOPT_POST, 1L);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, s->body);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long) strlen(s->body));
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_checked_socket);
	curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, s);
	curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, check_connection);
	curl_easy_setopt(easy, CURLOPT_PREREQDATA, s);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, s);
	s->errbuf[0] = '\0';
	return true;
}

/* Free the curl objects of every request (safe to call twice); the multi handle stays. */
static void
release_requests(CURLM *multi, WebhookSend *sends, int n)
{
	for (int i = 0; i < n; i++)
	{
		if (sends[i].easy)
		{
			if (multi)
				curl_multi_remove_handle(multi, sends[i].easy);
			curl_easy_cleanup(sends[i].easy);
			sends[i].easy = NULL;
		}
		if (sends[i].headers)
		{
			curl_slist_free_all(sends[i].headers);
			sends[i].headers = NULL;
		}
	}
}

/* Close the multi handle and every connection of its cache. */
static void
drop_multi(void)
{
	if (wh_multi)
		curl_multi_cleanup(wh_multi);
	wh_multi = NULL;
}

/* The worker's multi handle, created at its first use. */
static CURLM *
get_multi(void)
{
	if (wh_multi == NULL)
	{
		CURLM	   *multi = curl_multi_init();

		if (multi == NULL)
			elog(ERROR, "could not create a libcurl multi handle");
		curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) WH_MAX_HOST_CONNECTIONS);
		curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long) WH_MAX_CONNECTS);
		wh_multi = multi;
	}
	return wh_multi;
}

/* Judge a finished request: status code, success, error text. */
static void
finish_request(WebhookSend *s, CURLcode rc)
{
	long		code = 0;

	s->done = true;
	s->latency_ms = (int) ((GetCurrentTimestamp() - s->started) / 1000);
	curl_easy_getinfo((CURL *) s->easy, CURLINFO_RESPONSE_CODE, &code);
	s->status_code = (int) code;
	if (s->refused_address)
		s->error = psprintf("resolved address of the host is not in mlops.webhook_allowed_hosts");
	else if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && s->capped))
	{
		s->ok = code >= 200 && code < 300;
		if (code >= 300 && code < 400)
			s->error = psprintf("HTTP %ld (redirects are not followed)", code);
		else if (!s->ok)
			s->error = psprintf("HTTP %ld", code);
	}
	else
		s->error = psprintf("%s%s%s", curl_easy_strerror(rc),
							s->errbuf[0] ? ": " : "", s->errbuf);
}

/*
 * Run the multi handle until every request is done, checking interrupts
 * between polls. Finished requests are passed to done together: once
 * WH_DONE_BATCH of them wait, or the first has waited WH_DONE_WAIT_MS, or
 * nothing is left running (ready has room for all of them).
 */
static void
drive(CURLM *multi, WebhookDone done, WebhookSend **ready)
{
	int			running = 1;
	int			nready = 0;
	TimestampTz first_ready = 0;

	while (running > 0)
	{
		CURLMsg    *msg;
		int			left;
		CURLMcode	mc = curl_multi_perform(multi, &running);

		if (mc != CURLM_OK)
			elog(ERROR, "libcurl multi error: %s", curl_multi_strerror(mc));
		while ((msg = curl_multi_info_read(multi, &left)) != NULL)
		{
			WebhookSend *s = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &s);
			finish_request(s, msg->data.result);
			if (nready == 0)
				first_ready = GetCurrentTimestamp();
			ready[nready++] = s;
		}
		if (nready > 0 &&
			(running == 0 || nready >= WH_DONE_BATCH ||
			 TimestampDifferenceExceeds(first_ready, GetCurrentTimestamp(), WH_DONE_WAIT_MS)))
		{
			done(ready, nready);
			nready = 0;
		}
		if (running > 0)
			curl_multi_poll(multi, NULL, 0, nready > 0 ? WH_DONE_WAIT_MS : WH_POLL_MS, NULL);
		if (!PostmasterIsAlive())
			proc_exit(1);
		CHECK_FOR_INTERRUPTS();
	}
}

/* POST every delivery of sends in parallel; each gets ok/status_code/error/latency. */
void
mlops_webhooks_send_all(WebhookSend *sends, int n, WebhookDone done)
{
	static bool curl_ready = false;
	CURLM	   *volatile multi = NULL;
	WebhookSend **ready = palloc(sizeof(WebhookSend *) * Max(n, 1));
	int			nready = 0;

	if (!curl_ready)
	{
		if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
			elog(ERROR, "could not initialize libcurl");
		curl_ready = true;
	}
	PG_TRY();
	{
		multi = get_multi();
		for (int i = 0; i < n; i++)
		{
			sends[i].started = GetCurrentTimestamp();
			if (!prepare_request(&sends[i]))
			{
				sends[i].done = true;
				ready[nready++] = &sends[i];
				continue;
			}
			curl_multi_add_handle(multi, sends[i].easy);
		}
		if (nready > 0)
			done(ready, nready);
		drive(multi, done, ready);
		nready = 0;
		for (int i = 0; i < n; i++)
			if (!sends[i].done)
			{
				sends[i].done = true;
				sends[i].error = psprintf("the request ended without a result");
				ready[nready++] = &sends[i];
			}
		if (nready > 0)
			done(ready, nready);
	}
	PG_CATCH();
	{
		/* connections cut off mid-request are not reused: start afresh */
		release_requests(multi, sends, n);
		drop_multi();
		PG_RE_THROW();
	}
	PG_END_TRY();
	release_requests(multi, sends, n);
	pfree(ready);
}
