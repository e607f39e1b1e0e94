/* cfgval.c — value parsers of the profile readers (see hl_cfgval.h). Numbers go through
 * strtoull after a character check, so "12abc", "-1", " 7", "0x10" and overflow are all errors. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hl_cfgval.h"
#include "hl_stream.h"

__attribute__((format(printf, 3, 4))) static int
why_set(char *why, size_t whylen, const char *fmt, ...)
{
	if (why != NULL && whylen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Parse the leading digits of s (at least one) with strtoull; *end past them. */
static int
digits_u64(const char *s, uint64_t *out, const char **end, char *why, size_t whylen)
{
	size_t n = 0;
	while (is_digit(s[n]))
		n++;
	if (n == 0)
		return why_set(why, whylen, "'%s' is not a number", s);
	if (n > 20)
		return why_set(why, whylen, "'%.24s...' is too large", s);
	char buf[24];
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	char *e = NULL;
	unsigned long long v = strtoull(buf, &e, 10);
	if (errno == ERANGE || e != buf + n)
		return why_set(why, whylen, "'%s' is too large (max %llu)", buf,
		        (unsigned long long)UINT64_MAX);
	*out = v;
	*end = s + n;
	return 0;
}

int
hl_cfgval_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why, size_t whylen)
{
	const char *end;
	uint64_t v;
	if (s == NULL || s[0] == '\0')
		return why_set(why, whylen, "empty value, expected a number");
	int rc = digits_u64(s, &v, &end, why, whylen);
	if (rc < 0)
		return rc;
	if (*end != '\0')
		return why_set(why, whylen, "'%s' is not a whole decimal number", s);
	if (v < min)
		return why_set(why, whylen, "%llu below min %llu", (unsigned long long)v,
		        (unsigned long long)min);
	if (v > max)
		return why_set(why, whylen, "%llu above max %llu", (unsigned long long)v,
		        (unsigned long long)max);
	*out = v;
	return 0;
}

int
hl_cfgval_bool(const char *s, bool *out, char *why, size_t whylen)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (unsigned i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return why_set(why, whylen, "'%s' is not a boolean (yes/no, true/false, on/off, 1/0)", s);
}

int
hl_cfgval_enum(const char *s, const char *const *names, unsigned n, unsigned *out, char *why,
        size_t whylen)
{
	for (unsigned i = 0; i < n; i++) {
		if (names[i] != NULL && strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	char list[HL_CFGVAL_WHYLEN] = "";
	size_t used = 0;
	for (unsigned i = 0; i < n && used < sizeof(list); i++) {
		if (names[i] == NULL)
			continue;
		int w = snprintf(
		        list + used, sizeof(list) - used, "%s%s", used ? ", " : "", names[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return why_set(why, whylen, "'%s' unknown (one of: %s)", s, list);
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

int
hl_cfgval_list(const char *s, char items[][HL_CFGVAL_ITEM_MAX + 1], unsigned max, unsigned *n,
        char *why, size_t whylen)
{
	if (max > HL_CFGVAL_MAX_ITEMS)
		max = HL_CFGVAL_MAX_ITEMS;
	*n = 0;
	if (s[0] == '\0' || strcmp(s, "none") == 0)
		return 0;
	unsigned count = 0;
	const char *p = s;
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *e = comma ? comma : p + strlen(p);
		const char *b = p;
		while (b < e && is_space(*b))
			b++;
		const char *t = e;
		while (t > b && is_space(t[-1]))
			t--;
		size_t len = (size_t)(t - b);
		if (len == 0)
			return why_set(why, whylen, "empty entry %u in the list", count + 1);
		if (len > HL_CFGVAL_ITEM_MAX)
			return why_set(why, whylen, "entry %u longer than %u bytes", count + 1,
			        HL_CFGVAL_ITEM_MAX);
		if (count >= max)
			return why_set(why, whylen, "more than %u entries", max);
		memcpy(items[count], b, len);
		items[count][len] = '\0';
		count++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	*n = count;
	return 0;
}

int
hl_cfgval_decimal(const char *s, double *out, const char **end, char *why, size_t whylen)
{
	uint64_t ip;
	const char *p;
	int rc = digits_u64(s, &ip, &p, why, whylen);
	if (rc < 0)
		return rc;
	double v = (double)ip;
	if (*p == '.') {
		p++;
		if (!is_digit(*p))
			return why_set(why, whylen, "'%s': digits expected after '.'", s);
		double scale = 0.1;
		unsigned nd = 0;
		while (is_digit(*p)) {
			if (++nd > 9)
				return why_set(why, whylen, "'%s': more than 9 decimals", s);
			v += (*p - '0') * scale;
			scale /= 10;
			p++;
		}
	}
	*out = v;
	*end = p;
	return 0;
}

int
hl_cfgval_duration(
        const char *s, uint64_t min_ns, uint64_t max_ns, uint64_t *out, char *why, size_t whylen)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
	        {"ns", 1},
	        {"us", 1000},
	        {"ms", 1000000},
	        {"s", 1000000000ull},
	        {"m", 60ull * 1000000000ull},
	        {"h", 3600ull * 1000000000ull},
	};
	uint64_t ip;
	const char *p;
	if (s[0] == '\0')
		return why_set(
		        why, whylen, "empty value, expected a duration such as 10s or 500ms");
	int rc = digits_u64(s, &ip, &p, why, whylen);
	if (rc < 0)
		return rc;
	uint64_t frac = 0, frac_div = 1;
	if (*p == '.') {
		p++;
		if (!is_digit(*p))
			return why_set(why, whylen, "'%s': digits expected after '.'", s);
		while (is_digit(*p)) {
			if (frac_div >= 1000000000ull)
				return why_set(why, whylen, "'%s': more than 9 decimals", s);
			frac = frac * 10 + (uint64_t)(*p - '0');
			frac_div *= 10;
			p++;
		}
	}
	for (unsigned i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].name) != 0)
			continue;
		uint64_t u = units[i].ns;
		if (ip > UINT64_MAX / u)
			return why_set(why, whylen, "'%s' overflows", s);
		uint64_t ns = ip * u;
		/* frac < frac_div <= 1e9 and u <= 3.6e12: split to avoid overflow. */
		uint64_t add = (u / frac_div) * frac + ((u % frac_div) * frac) / frac_div;
		if (ns > UINT64_MAX - add)
			return why_set(why, whylen, "'%s' overflows", s);
		ns += add;
		if (ns < min_ns)
			return why_set(
			        why, whylen, "%s below min %llu ns", s, (unsigned long long)min_ns);
		if (ns > max_ns)
			return why_set(
			        why, whylen, "%s above max %llu ns", s, (unsigned long long)max_ns);
		*out = ns;
		return 0;
	}
	if (*p == '\0')
		return why_set(why, whylen, "'%s' needs a unit (ns, us, ms, s, m, h)", s);
	return why_set(why, whylen, "'%s': unknown unit '%s' (ns, us, ms, s, m, h)", s, p);
}

int
hl_cfgval_rate(const char *s, unsigned *unit, double *value, char *why, size_t whylen)
{
	static const struct {
		const char *name;
		unsigned unit;
		double mul;
	} units[] = {
	        {"pps", HL_RATE_PPS, 1},
	        {"kpps", HL_RATE_PPS, 1e3},
	        {"Mpps", HL_RATE_PPS, 1e6},
	        {"Gpps", HL_RATE_PPS, 1e9},
	        {"bps", HL_RATE_L2_BPS, 1},
	        {"kbps", HL_RATE_L2_BPS, 1e3},
	        {"Mbps", HL_RATE_L2_BPS, 1e6},
	        {"Gbps", HL_RATE_L2_BPS, 1e9},
	        {"Tbps", HL_RATE_L2_BPS, 1e12},
	        {"%", HL_RATE_PERCENT, 1},
	};
	if (strcmp(s, "unlimited") == 0) {
		*unit = HL_RATE_UNLIMITED;
		*value = 0;
		return 0;
	}
	double v;
	const char *p;
	int rc = hl_cfgval_decimal(s, &v, &p, why, whylen);
	if (rc < 0)
		return rc;
	while (is_space(*p))
		p++;
	const char *u = p;
	size_t ulen = 0;
	while (u[ulen] != '\0' && !is_space(u[ulen]))
		ulen++;
	const char *layer = u + ulen;
	while (is_space(*layer))
		layer++;
	for (unsigned i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].name) != ulen || strncmp(u, units[i].name, ulen) != 0)
			continue;
		unsigned out_unit = units[i].unit;
		if (*layer != '\0') {
			if (out_unit != HL_RATE_L2_BPS)
				return why_set(why, whylen,
				        "'%s': only a bit rate takes a layer (l1 or l2)", s);
			if (strcasecmp(layer, "l1") == 0)
				out_unit = HL_RATE_L1_BPS;
			else if (strcasecmp(layer, "l2") != 0)
				return why_set(
				        why, whylen, "'%s': layer '%s' is not l1 or l2", s, layer);
		}
		v *= units[i].mul;
		if (!(v > 0) || !isfinite(v))
			return why_set(why, whylen, "'%s': rate must be above 0", s);
		if (out_unit == HL_RATE_PERCENT && v > 100.0)
			return why_set(why, whylen, "'%s' above 100%%", s);
		if (out_unit == HL_RATE_PPS && v > 1e9)
			return why_set(why, whylen, "'%s' above 1 Gpps", s);
		if ((out_unit == HL_RATE_L2_BPS || out_unit == HL_RATE_L1_BPS) && v > 1.6e12)
			return why_set(why, whylen, "'%s' above 1.6 Tbps", s);
		*unit = out_unit;
		*value = v;
		return 0;
	}
	return why_set(why, whylen,
	        "'%s': unknown rate unit (pps, kpps, Mpps, Gpps, bps, kbps, Mbps, Gbps, Tbps "
	        "[l1|l2], "
	        "%%, or unlimited)",
	        s);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hl_cfgval_mac(const char *s, uint8_t mac[6], char *why, size_t whylen)
{
	uint8_t m[6];
	if (strlen(s) != 17)
		return why_set(why, whylen, "'%s' is not a MAC address (aa:bb:cc:dd:ee:ff)", s);
	for (unsigned i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return why_set(
			        why, whylen, "'%s' is not a MAC address (aa:bb:cc:dd:ee:ff)", s);
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, 6);
	return 0;
}

int
hl_cfgval_ipv4(const char *s, uint8_t out[4], char *why, size_t whylen)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return why_set(why, whylen, "'%s' is not an IPv4 address", s);
	memcpy(out, &a, 4);
	return 0;
}

int
hl_cfgval_ipv6(const char *s, uint8_t out[16], char *why, size_t whylen)
{
	struct in6_addr a;
	if (inet_pton(AF_INET6, s, &a) != 1)
		return why_set(why, whylen, "'%s' is not an IPv6 address", s);
	memcpy(out, &a, 16);
	return 0;
}

bool
hl_cfgval_is_name(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
		            c == '-' || c == '.'))
			return false;
	}
	return true;
}
