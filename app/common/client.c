/* client.c — blocking client for the node's client API: lib/wire frames behind the TCP length
 * prefix, read through the de-framer. */
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

#define TX_MAX (HL_FRAME_PREFIX + HL_CP_MAX_FRAME)
#define IN_MAX (64u << 10) /* socket read chunk */

int
hl_client_connect(struct hl_client *c, const char *addr, const char *cluster_id, int timeout_ms,
        char *err, size_t errlen)
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
	hl_frame_cfg_init(&c->cfg, hl_frame_cluster_hash(cluster_id), HL_PLANE_SLOW);
	c->rxbuf = malloc(HL_CP_MAX_FRAME);
	c->in = malloc(IN_MAX);
	c->tx = malloc(TX_MAX);
	c->msg = malloc(sizeof(*c->msg));
	c->req = malloc(sizeof(*c->req));
	if (c->rxbuf == NULL || c->in == NULL || c->tx == NULL || c->msg == NULL ||
	        c->req == NULL ||
	        hl_frame_stream_init(&c->rx, c->rxbuf, HL_CP_MAX_FRAME, HL_CP_MAX_FRAME) < 0) {
		snprintf(err, errlen, "client buffers: out of memory");
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
hl_client_send(struct hl_client *c, unsigned type, const void *msg, struct hl_wire_err *werr)
{
	size_t len;
	int rc = hl_cp_frame(&c->cfg, type, msg, c->tx, TX_MAX, &len, werr);
	if (rc < 0)
		return rc;
	for (size_t off = 0; off < len;) {
		ssize_t w = send(c->fd, c->tx + off, len - off, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)w;
	}
	return 0;
}

int
hl_client_recv(struct hl_client *c, int timeout_ms, unsigned *type, const union hl_cp_msg **msg,
        struct hl_wire_err *werr)
{
	hl_wire_err_clear(werr);
	for (;;) {
		if (c->in_off < c->in_len) {
			size_t used;
			const uint8_t *frame;
			uint32_t flen;
			int rc = hl_frame_stream_feed(&c->rx, c->in + c->in_off,
			        c->in_len - c->in_off, &used, &frame, &flen, werr);
			c->in_off += used;
			if (rc < 0)
				return rc;
			if (rc == 1) {
				rc = hl_frame_decode(
				        &c->cfg, frame, flen, type, c->msg, sizeof(*c->msg), werr);
				if (rc < 0)
					return rc;
				*msg = c->msg;
				return 1;
			}
			continue;
		}
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int pr = poll(&p, 1, timeout_ms);
		if (pr == 0)
			return 0;
		if (pr < 0)
			return -errno;
		ssize_t r = recv(c->fd, c->in, IN_MAX, 0);
		if (r == 0)
			return -ECONNRESET;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c->in_len = (size_t)r;
		c->in_off = 0;
	}
}

void
hl_client_close(struct hl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->rxbuf);
	free(c->in);
	free(c->tx);
	free(c->msg);
	free(c->req);
	c->rxbuf = c->in = c->tx = NULL;
	c->msg = c->req = NULL;
}
