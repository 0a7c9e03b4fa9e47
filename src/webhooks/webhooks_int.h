/*
 * webhooks_int.h: what the files of src/webhooks/ share (not for other
 * concerns; they use webhooks.h).
 */
#ifndef MLOPS_WEBHOOKS_INT_H
#define MLOPS_WEBHOOKS_INT_H

#include "datatype/timestamp.h"

/* Operators in the statements, resolved in pg_catalog whatever the path. */
#define WH_EQ " OPERATOR(pg_catalog.=) "
#define WH_LE " OPERATOR(pg_catalog.<=) "
#define WH_GE " OPERATOR(pg_catalog.>=) "
#define WH_PLUS " OPERATOR(pg_catalog.+) "
#define WH_MINUS " OPERATOR(pg_catalog.-) "
#define WH_LT " OPERATOR(pg_catalog.<) "

/* A response body is read up to this many bytes, the rest is refused. */
#define WH_MAX_RESPONSE_BYTES (64 * 1024)

/* One delivery attempt: what to send (filled from the queue) and its result. */
typedef struct WebhookSend
{
	/* the delivery */
	char	   *delivery_id;
	char	   *event;
	char	   *url;
	char	   *body;			/* the exact bytes POSTed and signed */
	char	   *signature;		/* X-Mlops-Signature; NULL without a secret */
	int			attempt;

	/* the result */
	bool		ok;				/* a 2xx answer */
	int			status_code;	/* 0: no answer */
	char	   *error;			/* NULL when ok */
	int			latency_ms;

	/* request state (http.c) */
	void	   *easy;
	void	   *headers;
	bool		check_address;	/* the resolved address must be on the allow-list */
	bool		refused_address;
	bool		capped;
	bool		done;
	size_t		received;
	TimestampTz started;
	char		errbuf[256];
} WebhookSend;

/*
 * Called as soon as attempts have a result, with those that ended together
 * (one or more; the array is reused after the call).
 */
typedef void (*WebhookDone) (WebhookSend **sends, int n);

/*
 * http.c: POST every delivery of sends in parallel; fills the results and
 * calls done as they finish (the refused ones at once), while the others
 * stay in flight.
 */
extern void mlops_webhooks_send_all(WebhookSend *sends, int n, WebhookDone done);

/* http.c: the JSON body of a delivery ({event, delivery_id, occurred_at, payload}). */
extern char *mlops_webhooks_body(const char *event, const char *delivery_id,
								 const char *occurred_at, const char *payload_json);

/*
 * http.c: "sha256=<hex HMAC-SHA256 of body with secret>". Inside a
 * transaction: the server's HMAC (OpenSSL) registers with the resource owner.
 */
extern char *mlops_webhooks_signature(const char *secret, const char *body);

/*
 * allow.c: NULL when host may be contacted (then *check_address says whether
 * its resolved addresses must be on the list too); otherwise why not.
 */
extern const char *mlops_webhooks_host_refusal(const char *allowed, const char *host,
											   bool *check_address);

/* allow.c: whether a resolved address (struct sockaddr) is on the allow-list. */
extern bool mlops_webhooks_address_allowed(const char *allowed, const void *sockaddr);

/* allow.c: the same for an address in text form (a connection's peer, as libcurl gives it). */
extern bool mlops_webhooks_address_text_allowed(const char *allowed, const char *address);

#endif							/* MLOPS_WEBHOOKS_INT_H */
