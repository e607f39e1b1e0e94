/* client.c — blocking client for the node's client API. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hl_client.h"
#include "hl_err.h"

#define FRAME_MAX (HL_CPROTO_MAX_BODY + HL_CPROTO_HDR + HL_CPROTO_TRAILER)

int
hl_client_connect(struct hl_client *c, const char *addr, int timeout_ms, char *err, size_t errlen)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints = {0}, *res = NULL;
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (colon == NULL || colon == addr || (size_t)(colon - addr) >= sizeof(host)) {
		snprintf(err, errlen, "address '%s' is not host:port", addr);
		return -EINVAL;
	}
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	int g = getaddrinfo(host, colon + 1, &hints, &res);
	if (g != 0) {
		snprintf(err, errlen, "%s: %s", addr, gai_strerror(g));
		return -EINVAL;
	}
	c->buf = malloc(FRAME_MAX);
	c->tx = malloc(FRAME_MAX);
	if (c->buf == NULL || c->tx == NULL) {
		freeaddrinfo(res);
		hl_client_close(c);
		return -ENOMEM;
	}
	int rc = -ECONNREFUSED;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			rc = -errno;
			break;
		}
		if (connect(c->fd, res->ai_addr, res->ai_addrlen) == 0) {
			int one = 1;
			/* without it each request waits ~40 ms on Nagle: a failure is a broken
			 * socket, reported like a failed connect */
			rc = setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0
			             ? 0
			             : -errno;
			if (rc < 0) {
				close(c->fd);
				c->fd = -1;
			}
			break;
		}
		rc = -errno;
		close(c->fd);
		c->fd = -1;
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long el = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (rc != -ECONNREFUSED || el >= timeout_ms)
			break;
		usleep(50000); /* node may still be starting */
	}
	freeaddrinfo(res);
	if (rc < 0) {
		snprintf(err, errlen, "connect %s: %s", addr, strerror(-rc));
		hl_client_close(c);
	}
	return rc;
}

int
hl_client_send(struct hl_client *c, unsigned type, const void *body, uint32_t n)
{
	int len = hl_cproto_frame(c->tx, FRAME_MAX, type, 0, body, n);
	if (len < 0)
		return len;
	for (int off = 0; off < len;) {
		ssize_t w = send(c->fd, c->tx + off, (size_t)(len - off), MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (int)w;
	}
	return 0;
}

int
hl_client_recv(struct hl_client *c, int timeout_ms, struct hl_cproto_hdr *h, const uint8_t **body)
{
	if (c->consumed) {
		memmove(c->buf, c->buf + c->consumed, c->len - c->consumed);
		c->len -= c->consumed;
		c->consumed = 0;
	}
	for (;;) {
		int f = hl_cproto_parse(c->buf, c->len, HL_CPROTO_MAX_BODY, h, body);
		if (f > 0) {
			c->consumed = (size_t)f;
			return 1;
		}
		if (f < 0)
			return f;
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int pr = poll(&p, 1, timeout_ms);
		if (pr == 0)
			return 0;
		if (pr < 0) {
			if (errno == EINTR)
				return -EINTR;
			return -errno;
		}
		ssize_t r = recv(c->fd, c->buf + c->len, FRAME_MAX - c->len, 0);
		if (r == 0)
			return -ECONNRESET;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c->len += (size_t)r;
	}
}

void
hl_client_close(struct hl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	free(c->tx);
	c->buf = c->tx = NULL;
}
