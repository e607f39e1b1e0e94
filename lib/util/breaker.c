/* breaker.c — circuit breaker state machine with failure kinds (hl_breaker.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hl_breaker.h"
#include "hl_err.h"
#include "hl_log.h"

static const char *const state_names[] = {"closed", "open", "half_open"};
static const char *const kind_names[HL_BREAKER_NKINDS] = {"timeout", "refused", "protocol", "bug"};

const char *
hl_breaker_state_name(enum hl_breaker_state s)
{
	return (unsigned)s < 3 ? state_names[s] : "?";
}

const char *
hl_breaker_kind_name(enum hl_breaker_kind k)
{
	return (unsigned)k < HL_BREAKER_NKINDS ? kind_names[k] : "?";
}

int
hl_breaker_init(struct hl_breaker *b, const struct hl_breaker_cfg *cfg, const char *name)
{
	struct hl_breaker_cfg c = {
	        .threshold = HL_BREAKER_DEFAULT_THRESHOLD,
	        .window_ns = HL_BREAKER_DEFAULT_WINDOW_NS,
	        .open_ns = HL_BREAKER_DEFAULT_OPEN_NS,
	};
	if (cfg != NULL)
		c = *cfg;
	if (c.threshold == 0 || c.threshold > HL_BREAKER_MAX_THRESHOLD || c.window_ns == 0 ||
	        c.open_ns == 0)
		return -EINVAL;
	memset(b, 0, sizeof(*b));
	b->cfg = c;
	b->state = HL_BREAKER_CLOSED;
	b->last_kind = -1;
	snprintf(b->name, sizeof(b->name), "%s", name != NULL ? name : "-");
	return 0;
}

static void
go_open(struct hl_breaker *b, uint64_t now_ns, const char *why)
{
	b->state = HL_BREAKER_OPEN;
	b->opened_ns = now_ns;
	b->probe_out = 0;
	b->fail_count = 0;
	b->fail_head = 0;
	b->opens++;
	HL_LOG(HL_LOG_WARN, "breaker",
	        "open breaker=%s why=%s last_kind=%s open_ms=%llu opens=%llu", b->name, why,
	        hl_breaker_kind_name((enum hl_breaker_kind)b->last_kind),
	        (unsigned long long)(b->cfg.open_ns / 1000000), (unsigned long long)b->opens);
}

enum hl_breaker_state
hl_breaker_tick(struct hl_breaker *b, uint64_t now_ns)
{
	if (b->state == HL_BREAKER_OPEN && now_ns >= b->opened_ns &&
	        now_ns - b->opened_ns >= b->cfg.open_ns) {
		b->state = HL_BREAKER_HALF_OPEN;
		b->probe_out = 0;
	}
	return b->state;
}

int
hl_breaker_allow(struct hl_breaker *b, uint64_t now_ns)
{
	switch (hl_breaker_tick(b, now_ns)) {
	case HL_BREAKER_CLOSED:
		return 0;
	case HL_BREAKER_HALF_OPEN:
		/* One probe at a time; a probe silent for open_ns is presumed lost. */
		if (!b->probe_out || now_ns - b->probe_ns >= b->cfg.open_ns) {
			b->probe_out = 1;
			b->probe_ns = now_ns;
			return 0;
		}
		break;
	case HL_BREAKER_OPEN:
		break;
	}
	b->rejected++;
	return -HL_E_CIRCUIT_OPEN;
}

void
hl_breaker_success(struct hl_breaker *b, uint64_t now_ns)
{
	b->successes++;
	if (hl_breaker_tick(b, now_ns) == HL_BREAKER_HALF_OPEN) {
		b->state = HL_BREAKER_CLOSED;
		b->probe_out = 0;
		b->fail_count = 0;
		b->fail_head = 0;
		HL_LOG(HL_LOG_INFO, "breaker", "closed breaker=%s after probe success", b->name);
	}
}

void
hl_breaker_failure(struct hl_breaker *b, enum hl_breaker_kind kind, uint64_t now_ns)
{
	unsigned k = (unsigned)kind;
	if (k >= HL_BREAKER_NKINDS) {
		HL_LOG(HL_LOG_ERR, "breaker", "unknown failure kind breaker=%s kind=%d", b->name,
		        (int)kind);
		k = HL_BREAKER_BUG;
	} else if (k == HL_BREAKER_BUG) {
		HL_LOG(HL_LOG_ERR, "breaker", "unexpected failure breaker=%s kind=bug state=%s",
		        b->name, hl_breaker_state_name(b->state));
	}
	b->failures++;
	b->kind_count[k]++;
	b->last_kind = (int)k;

	switch (hl_breaker_tick(b, now_ns)) {
	case HL_BREAKER_CLOSED: {
		uint32_t th = b->cfg.threshold;
		uint32_t idx = (b->fail_head + b->fail_count) % th;
		if (b->fail_count < th) {
			b->fail_count++;
		} else {
			b->fail_head = (b->fail_head + 1) % th;
		}
		b->fail_ns[idx] = now_ns;
		uint64_t oldest = b->fail_ns[b->fail_head];
		if (b->fail_count == th && now_ns - oldest < b->cfg.window_ns)
			go_open(b, now_ns, "threshold");
		break;
	}
	case HL_BREAKER_HALF_OPEN:
		go_open(b, now_ns, "probe_failed");
		break;
	case HL_BREAKER_OPEN:
		/* A call admitted before it opened reporting late: counted, timer unchanged. */
		break;
	}
}

uint64_t
hl_breaker_kind_count(const struct hl_breaker *b, enum hl_breaker_kind kind)
{
	return (unsigned)kind < HL_BREAKER_NKINDS ? b->kind_count[kind] : 0;
}

int
hl_breaker_last_kind(const struct hl_breaker *b)
{
	return b->last_kind;
}
