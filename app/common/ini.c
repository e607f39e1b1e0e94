/* ini.c — strict INI helpers over rte_cfgfile with precise errors. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hl_err.h"
#include "hl_ini.h"

int
hl_ini_fail(struct hl_ini_err *e, const char *section, const char *key, const char *fmt, ...)
{
	char reason[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (section && key)
		snprintf(e->buf, e->len, "%s: [%s] %s: %s", e->origin, section, key, reason);
	else if (section)
		snprintf(e->buf, e->len, "%s: [%s]: %s", e->origin, section, reason);
	else
		snprintf(e->buf, e->len, "%s: %s", e->origin, reason);
	return -HL_E_CONFIG;
}

struct rte_cfgfile *
hl_ini_load_file(const char *path, struct hl_ini_err *e)
{
	if (access(path, R_OK) != 0) {
		hl_ini_fail(e, NULL, NULL, "cannot read: %s", strerror(errno));
		return NULL;
	}
	struct rte_cfgfile *c = rte_cfgfile_load(path, 0);
	if (c == NULL)
		hl_ini_fail(e, NULL, NULL,
		        "not a valid INI file (a line outside [section]=key syntax, an unclosed "
		        "'[', or a name/value over %d/%d characters)",
		        CFG_NAME_LEN - 1, CFG_VALUE_LEN - 1);
	return c;
}

struct rte_cfgfile *
hl_ini_load_text(const char *text, size_t len, struct hl_ini_err *e)
{
	char path[64];
	int fd = memfd_create("hl-ini", MFD_CLOEXEC);
	if (fd < 0) {
		hl_ini_fail(e, NULL, NULL, "memfd_create: %s", strerror(errno));
		return NULL;
	}
	if (memchr(text, '\0', len) != NULL) {
		close(fd);
		hl_ini_fail(e, NULL, NULL, "contains a NUL byte: not a text profile");
		return NULL;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0) {
			close(fd);
			hl_ini_fail(e, NULL, NULL, "memfd write: %s", strerror(errno));
			return NULL;
		}
		off += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct rte_cfgfile *c = hl_ini_load_file(path, e);
	close(fd);
	return c;
}

int
hl_ini_check_keys(
        struct rte_cfgfile *c, const char *section, const char *const *known, struct hl_ini_err *e)
{
	int n = rte_cfgfile_section_num_entries(c, section);
	if (n < 0)
		return hl_ini_fail(e, section, NULL, "section missing");
	struct rte_cfgfile_entry *ent = calloc((size_t)n + 1, sizeof(*ent));
	if (ent == NULL)
		return -ENOMEM;
	rte_cfgfile_section_entries(c, section, ent, n);
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		int ok = 0;
		for (const char *const *k = known; *k; k++)
			if (strcmp(*k, ent[i].name) == 0)
				ok = 1;
		if (!ok) {
			char list[256] = "";
			for (const char *const *k = known; *k; k++) {
				strncat(list, *k, sizeof(list) - strlen(list) - 1);
				if (k[1])
					strncat(list, ", ", sizeof(list) - strlen(list) - 1);
			}
			rc = hl_ini_fail(e, section, ent[i].name, "unknown key (known: %s)", list);
		}
	}
	free(ent);
	return rc;
}

int
hl_ini_u64(struct rte_cfgfile *c, const char *s, const char *k, uint64_t min, uint64_t max,
        uint64_t *v, struct hl_ini_err *e)
{
	const char *val = rte_cfgfile_get_entry(c, s, k);
	if (val == NULL)
		return 0;
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)val[0]))
		return hl_ini_fail(e, s, k, "'%s' is not an unsigned integer", val);
	unsigned long long x = strtoull(val, &end, 0);
	if (errno || *end != '\0')
		return hl_ini_fail(e, s, k, "'%s' is not an unsigned integer", val);
	if (x < min || x > max)
		return hl_ini_fail(e, s, k, "%llu out of range [%llu, %llu]", x,
		        (unsigned long long)min, (unsigned long long)max);
	*v = x;
	return 1;
}

int
hl_ini_f64(struct rte_cfgfile *c, const char *s, const char *k, double min, double max, double *v,
        struct hl_ini_err *e)
{
	const char *val = rte_cfgfile_get_entry(c, s, k);
	if (val == NULL)
		return 0;
	char *end;
	errno = 0;
	double x = strtod(val, &end);
	if (errno || *end != '\0' || end == val || !isfinite(x))
		return hl_ini_fail(e, s, k, "'%s' is not a number", val);
	if (x < min || x > max)
		return hl_ini_fail(e, s, k, "%g out of range [%g, %g]", x, min, max);
	*v = x;
	return 1;
}

int
hl_ini_str(struct rte_cfgfile *c, const char *s, const char *k, char *v, size_t cap,
        struct hl_ini_err *e)
{
	const char *val = rte_cfgfile_get_entry(c, s, k);
	if (val == NULL)
		return 0;
	if (strlen(val) >= cap)
		return hl_ini_fail(e, s, k, "value longer than %zu characters", cap - 1);
	if (val[0] == '\0')
		return hl_ini_fail(e, s, k, "empty value");
	strcpy(v, val);
	return 1;
}

int
hl_ini_ipv4(struct rte_cfgfile *c, const char *s, const char *k, uint32_t *v, struct hl_ini_err *e)
{
	const char *val = rte_cfgfile_get_entry(c, s, k);
	struct in_addr a;
	if (val == NULL)
		return 0;
	if (inet_pton(AF_INET, val, &a) != 1)
		return hl_ini_fail(e, s, k, "'%s' is not an IPv4 address", val);
	*v = ntohl(a.s_addr);
	return 1;
}

int
hl_ini_split(char *s, char **items, int max)
{
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*t))
			t++;
		char *end = t + strlen(t);
		while (end > t && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*t == '\0')
			continue;
		if (n == max)
			return -E2BIG;
		items[n++] = t;
	}
	return n;
}
