/*
 * allow.c: the host allow-list of webhook requests (mlops.webhook_allowed_hosts).
 *
 * The setting is a comma-separated list; empty allows any host. An entry is
 *  - a host name (hooks.example.com), matched exactly, case-insensitively;
 *  - a domain with a leading dot (.example.com): any name below it;
 *  - an IPv4 or IPv6 address (10.1.2.3, ::1) or a CIDR block (10.0.0.0/8,
 *    fd00::/8).
 * A URL whose host is a name on the list is contacted at whatever that name
 * resolves to (the list trusts the name). A URL whose host is an address, or
 * a name that is not on the list, is contacted only at resolved addresses
 * inside an address entry: libcurl's open-socket callback checks each
 * address after DNS and before connecting, so a name that resolves into a
 * network the list does not name is refused even if it changes its answer
 * between checks. A connection kept open for reuse is checked again, by its
 * peer address, before each request sent on it.
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "webhooks/webhooks_int.h"

/* An address entry: family, address bytes and prefix length. */
typedef struct AllowNet
{
	int			family;
	unsigned char addr[16];
	int			bits;
} AllowNet;

/* Parse "addr" or "addr/bits" (IPv6 optionally in brackets); false if not one. */
static bool
parse_net(const char *text, AllowNet *net)
{
	char		buf[128];
	char	   *slash;
	int			maxbits;

	if (strlen(text) >= sizeof(buf))
		return false;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (buf[0] == '[' && buf[strlen(buf) - 1] == ']')
	{
		buf[strlen(buf) - 1] = '\0';
		memmove(buf, buf + 1, strlen(buf));
	}
	memset(net->addr, 0, sizeof(net->addr));
	if (inet_pton(AF_INET, buf, net->addr) == 1)
		net->family = AF_INET, maxbits = 32;
	else if (inet_pton(AF_INET6, buf, net->addr) == 1)
		net->family = AF_INET6, maxbits = 128;
	else
		return false;
	net->bits = maxbits;
	if (slash)
	{
		char	   *end;
		long		bits = strtol(slash + 1, &end, 10);

		if (slash[1] == '\0' || *end != '\0' || bits < 0 || bits > maxbits)
			return false;
		net->bits = (int) bits;
	}
	return true;
}

/* Whether addr (of net's family) lies inside net. */
static bool
net_contains(const AllowNet *net, const unsigned char *addr)
{
	int			full = net->bits / 8;
	int			rest = net->bits % 8;

	if (memcmp(net->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((net->addr[full] ^ addr[full]) & (0xFF << (8 - rest)) & 0xFF) == 0;
}

/* The entries of the list, trimmed and lower-cased (palloc'd), and their count. */
static char **
split_list(const char *allowed, int *n)
{
	char	   *copy = pstrdup(allowed ? allowed : "");
	char	  **items = palloc(sizeof(char *) * (strlen(copy) / 2 + 2));
	char	   *tok;
	char	   *save;

	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
	{
		char	   *end;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*tok == '\0')
			continue;
		for (char *c = tok; *c; c++)
			*c = pg_tolower((unsigned char) *c);
		items[(*n)++] = tok;
	}
	return items;
}

/* Whether a host name matches a name entry (exact, or below a ".domain"). */
static bool
name_matches(const char *entry, const char *host)
{
	size_t		el = strlen(entry);
	size_t		hl = strlen(host);

	if (entry[0] == '.')
		return hl > el && strcmp(host + hl - el, entry) == 0;
	return strcmp(entry, host) == 0;
}

/*
 * NULL when host may be contacted; then *check_address says whether its
 * resolved addresses must still be inside an address entry. Otherwise the
 * reason for the refusal.
 */
const char *
mlops_webhooks_host_refusal(const char *allowed, const char *host, bool *check_address)
{
	int			n;
	char	  **items = split_list(allowed, &n);
	char	   *h = pstrdup(host);
	AllowNet	hostnet;
	bool		any_net = false;

	*check_address = false;
	if (n == 0)
		return NULL;
	for (char *c = h; *c; c++)
		*c = pg_tolower((unsigned char) *c);
	if (h[0] != '\0' && h[strlen(h) - 1] == '.')
		h[strlen(h) - 1] = '\0';
	if (strchr(h, '/') == NULL && parse_net(h, &hostnet))
	{
		/* an address literal: decided by the address entries alone */
		*check_address = true;
		for (int i = 0; i < n; i++)
		{
			AllowNet	net;

			if (parse_net(items[i], &net) && net.family == hostnet.family &&
				net_contains(&net, hostnet.addr))
				return NULL;
		}
		return psprintf("host %s is not in mlops.webhook_allowed_hosts", host);
	}
	for (int i = 0; i < n; i++)
	{
		AllowNet	net;

		if (parse_net(items[i], &net))
			any_net = true;
		else if (name_matches(items[i], h))
			return NULL;
	}
	if (any_net)
	{
		*check_address = true;
		return NULL;
	}
	return psprintf("host %s is not in mlops.webhook_allowed_hosts", host);
}

/* Whether a resolved address (a struct sockaddr) is inside an address entry. */
bool
mlops_webhooks_address_allowed(const char *allowed, const void *sockaddr)
{
	const struct sockaddr *sa = sockaddr;
	unsigned char addr[16];
	int			family;
	int			n;
	char	  **items;

	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET)
	{
		family = AF_INET;
		memcpy(addr, &((const struct sockaddr_in *) sa)->sin_addr, 4);
	}
	else if (sa->sa_family == AF_INET6)
	{
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *) sa)->sin6_addr;

		/* an IPv4-mapped IPv6 address is judged as the IPv4 address */
		if (IN6_IS_ADDR_V4MAPPED(a6))
		{
			family = AF_INET;
			memcpy(addr, a6->s6_addr + 12, 4);
		}
		else
		{
			family = AF_INET6;
			memcpy(addr, a6->s6_addr, 16);
		}
	}
	else
		return false;
	items = split_list(allowed, &n);
	for (int i = 0; i < n; i++)
	{
		AllowNet	net;

		if (parse_net(items[i], &net) && net.family == family && net_contains(&net, addr))
			return true;
	}
	return false;
}

/* Whether a peer address in text form (as libcurl reports it) is inside an address entry. */
bool
mlops_webhooks_address_text_allowed(const char *allowed, const char *address)
{
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;

	if (address == NULL)
		return false;
	memset(&v4, 0, sizeof(v4));
	memset(&v6, 0, sizeof(v6));
	if (inet_pton(AF_INET, address, &v4.sin_addr) == 1)
	{
		v4.sin_family = AF_INET;
		return mlops_webhooks_address_allowed(allowed, &v4);
	}
	if (inet_pton(AF_INET6, address, &v6.sin6_addr) == 1)
	{
		v6.sin6_family = AF_INET6;
		return mlops_webhooks_address_allowed(allowed, &v6);
	}
	return false;
}
