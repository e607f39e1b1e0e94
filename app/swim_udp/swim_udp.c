/* swim_udp.c — SWIM core over a kernel UDP socket: reads datagrams into hl_swim_recv, sends what
 * hl_swim_next_tx yields, and leaves timers to the caller's loop (hl_swim_next_deadline). */
#include "swim_udp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hl_err.h"
#include "hl_log.h"

uint64_t
swim_udp_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void
swim_udp_addr(const struct sockaddr_in *sin, struct hl_swim_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->len = 6;
	memcpy(a->b, &sin->sin_addr.s_addr, 4);
	memcpy(a->b + 4, &sin->sin_port, 2);
}

int
swim_udp_sin(const struct hl_swim_addr *a, struct sockaddr_in *sin)
{
	if (a->len != 6)
		return -EINVAL;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr.s_addr, a->b, 4);
	memcpy(&sin->sin_port, a->b + 4, 2);
	return 0;
}

int
swim_udp_open(struct swim_udp *u, const struct hl_swim_config *cfg, uint32_t ip_be, uint16_t port,
        uint64_t generation, uint64_t seed)
{
	memset(u, 0, sizeof(*u));
	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->fd < 0)
		return -errno;
	u->sin.sin_family = AF_INET;
	u->sin.sin_addr.s_addr = ip_be;
	u->sin.sin_port = htons(port);
	socklen_t sl = sizeof(u->sin);
	if (bind(u->fd, (struct sockaddr *)&u->sin, sizeof(u->sin)) != 0 ||
	        getsockname(u->fd, (struct sockaddr *)&u->sin, &sl) != 0) {
		int rc = -errno;
		close(u->fd);
		u->fd = -1;
		return rc;
	}
	swim_udp_addr(&u->sin, &u->addr);
	int rc = hl_swim_create(&u->sw, cfg, &u->addr, NULL, generation, seed, swim_udp_now());
	if (rc != 0) {
		close(u->fd);
		u->fd = -1;
	}
	return rc;
}

void
swim_udp_close(struct swim_udp *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	hl_swim_destroy(u->sw);
	u->sw = NULL;
}

int
swim_udp_read(struct swim_udp *u, uint64_t now)
{
	uint8_t buf[65536];
	int n = 0;
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(u->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return n;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		struct hl_swim_addr fa;
		swim_udp_addr(&from, &fa);
		/* Decode errors are counted and logged by the core; keep reading. */
		if (hl_swim_recv(u->sw, now, &fa, buf, (size_t)len) != 0)
			u->rx_errors++;
		/* Send the replies now: a long backlog must not overflow the core's tx queue. */
		swim_udp_flush(u);
		n++;
	}
}

int
swim_udp_flush(struct swim_udp *u)
{
	uint8_t buf[65536];
	struct hl_swim_addr to;
	int len, n = 0;
	while ((len = hl_swim_next_tx(u->sw, &to, buf, sizeof(buf))) > 0) {
		struct sockaddr_in sin;
		if (swim_udp_sin(&to, &sin) != 0) {
			u->tx_errors++;
			HL_LOG(HL_LOG_WARN, "swim_udp", "datagram for a non-IPv4 address (len %u)",
			        to.len);
			continue;
		}
		if (sendto(u->fd, buf, (size_t)len, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			u->tx_errors++;
			HL_LOG(HL_LOG_WARN, "swim_udp", "sendto port %u failed: %s",
			        ntohs(sin.sin_port), strerror(errno));
			continue;
		}
		n++;
	}
	return n;
}
