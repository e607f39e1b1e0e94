/* ini.c — strict INI reader (see hl_ini.h). rte_cfgfile does the parsing; the pre-scan exists
 * because rte_cfgfile silently skips lines without '=' (a typo such as "descriptors 9000"),
 * truncates long names and values, keeps duplicate keys and sections, and treats a backslash
 * before ';' as an escape. Every such input is rejected here with its line number first, so
 * what rte_cfgfile then reads is exactly what the operator wrote. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cfgfile.h>

#include "hl_cfgval.h"
#include "hl_ini.h"

#define LABEL_MAX 200

struct ini_key {
	char name[CFG_NAME_LEN];
	char value[CFG_VALUE_LEN];
	bool used;
};

struct ini_section {
	char name[CFG_NAME_LEN];
	unsigned n_keys;
	struct ini_key *keys;
};

struct hl_ini {
	char label[LABEL_MAX + 1];
	unsigned n_sections;
	struct ini_section sections[HL_INI_MAX_SECTIONS];
};

__attribute__((format(printf, 3, 4))) static int
msg(char *err, size_t errlen, const char *fmt, ...)
{
	if (err != NULL && errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool
ws(char c)
{
	return c == ' ' || c == '\t';
}

static bool
key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/* Lexical pre-scan, mirroring rte_cfgfile_load_with_params() of DPDK 22.11 line by line. */
static int
prescan(const char *label, const char *buf, size_t len, unsigned *n_sections, char *err,
        size_t errlen)
{
	unsigned line = 0, sections = 0, keys = 0;
	size_t pos = 0;
	while (pos < len) {
		line++;
		const char *l = buf + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos;
		pos += ll + (nl ? 1 : 0);
		if (ll > 0 && l[ll - 1] == '\r')
			ll--; /* CRLF files are fine */
		if (ll > HL_INI_MAX_LINE)
			return msg(err, errlen, "%s:%u: line longer than %u bytes", label, line,
			        HL_INI_MAX_LINE);
		/* Content (before the first ';') must be printable ASCII without backslash;
		 * comments may hold any text except control bytes (NUL would end fgets()'s
		 * string early and desynchronise rte_cfgfile's line reading). */
		const char *semi = memchr(l, ';', ll);
		size_t content = semi != NULL ? (size_t)(semi - l) : ll;
		for (size_t i = 0; i < ll; i++) {
			unsigned char c = (unsigned char)l[i];
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return msg(err, errlen, "%s:%u: control byte 0x%02x at column %zu",
				        label, line, c, i + 1);
			if (i >= content)
				continue;
			if (c == '\\')
				return msg(
				        err, errlen, "%s:%u: backslash not allowed", label, line);
			if (c >= 0x80)
				return msg(err, errlen,
				        "%s:%u: byte 0x%02x at column %zu is not ASCII (allowed in "
				        "comments only)",
				        label, line, c, i + 1);
		}
		ll = content;
		const char *b = l, *e = l + ll;
		while (b < e && ws(*b))
			b++;
		while (e > b && ws(e[-1]))
			e--;
		if (b == e)
			continue;
		if (*b == '[') {
			if (e[-1] != ']')
				return msg(err, errlen, "%s:%u: section header must end with ']'",
				        label, line);
			const char *nb = b + 1, *ne = e - 1;
			while (nb < ne && ws(*nb))
				nb++;
			while (ne > nb && ws(ne[-1]))
				ne--;
			if (nb == ne)
				return msg(err, errlen, "%s:%u: empty section name", label, line);
			if ((size_t)(ne - nb) > HL_INI_NAME_MAX)
				return msg(err, errlen, "%s:%u: section name longer than %u bytes",
				        label, line, HL_INI_NAME_MAX);
			for (const char *c = nb; c < ne; c++)
				if (*c == '[' || *c == ']' || *c == '=')
					return msg(err, errlen,
					        "%s:%u: '%c' not allowed in a section name", label,
					        line, *c);
			if (++sections > HL_INI_MAX_SECTIONS)
				return msg(err, errlen, "%s:%u: more than %u sections", label, line,
				        HL_INI_MAX_SECTIONS);
			keys = 0;
			continue;
		}
		const char *eq = memchr(b, '=', (size_t)(e - b));
		if (eq == NULL) {
			if (*b == '#')
				return msg(err, errlen,
				        "%s:%u: '#' does not start a comment here, use ';'", label,
				        line);
			return msg(err, errlen, "%s:%u: expected '[section]' or 'key = value'",
			        label, line);
		}
		const char *ke = eq;
		while (ke > b && ws(ke[-1]))
			ke--;
		const char *vb = eq + 1;
		while (vb < e && ws(*vb))
			vb++;
		if (ke == b)
			return msg(err, errlen, "%s:%u: missing key before '='", label, line);
		if ((size_t)(ke - b) > HL_INI_NAME_MAX)
			return msg(err, errlen, "%s:%u: key longer than %u bytes", label, line,
			        HL_INI_NAME_MAX);
		for (const char *c = b; c < ke; c++)
			if (!key_char(*c))
				return msg(err, errlen,
				        "%s:%u: '%c' not allowed in a key (use A-Z a-z 0-9 _ - .)",
				        label, line, *c);
		if (vb == e)
			return msg(err, errlen, "%s:%u: key '%.*s' has an empty value", label, line,
			        (int)(ke - b), b);
		if ((size_t)(e - vb) > HL_INI_VALUE_MAX)
			return msg(err, errlen, "%s:%u: value longer than %u bytes", label, line,
			        HL_INI_VALUE_MAX);
		if (sections == 0)
			return msg(err, errlen, "%s:%u: key '%.*s' before any [section]", label,
			        line, (int)(ke - b), b);
		if (++keys > HL_INI_MAX_KEYS)
			return msg(err, errlen, "%s:%u: more than %u keys in one section", label,
			        line, HL_INI_MAX_KEYS);
	}
	*n_sections = sections;
	return 0;
}

void
hl_ini_free(struct hl_ini *ini)
{
	if (ini == NULL)
		return;
	for (unsigned i = 0; i < ini->n_sections; i++)
		free(ini->sections[i].keys);
	free(ini);
}

/* Copy sections and entries out of rte_cfgfile, then check duplicates. */
static int
extract(struct hl_ini *ini, struct rte_cfgfile *cfg, unsigned expect, char *err, size_t errlen)
{
	int n = rte_cfgfile_num_sections(cfg, "", 0);
	if (n < 0 || (unsigned)n != expect)
		return msg(err, errlen, "%s: rte_cfgfile read %d sections, expected %u", ini->label,
		        n, expect);
	struct rte_cfgfile_entry *entries = calloc(HL_INI_MAX_KEYS, sizeof(*entries));
	if (entries == NULL)
		return -ENOMEM;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		struct ini_section *s = &ini->sections[i];
		int k = rte_cfgfile_section_entries_by_index(
		        cfg, i, s->name, entries, HL_INI_MAX_KEYS);
		ini->n_sections = (unsigned)i + 1;
		if (k < 0) {
			rc = msg(err, errlen, "%s: rte_cfgfile cannot read section %d", ini->label,
			        i);
			break;
		}
		s->keys = calloc(k > 0 ? (size_t)k : 1, sizeof(*s->keys));
		if (s->keys == NULL) {
			rc = -ENOMEM;
			break;
		}
		s->n_keys = (unsigned)k;
		for (int j = 0; j < k; j++) {
			memcpy(s->keys[j].name, entries[j].name, CFG_NAME_LEN);
			memcpy(s->keys[j].value, entries[j].value, CFG_VALUE_LEN);
			for (int p = 0; p < j; p++)
				if (strcmp(s->keys[p].name, s->keys[j].name) == 0) {
					rc = hl_ini_err(ini, i, s->keys[j].name, err, errlen,
					        "duplicate key");
					goto out;
				}
		}
		for (int p = 0; p < i; p++)
			if (strcmp(ini->sections[p].name, s->name) == 0) {
				rc = hl_ini_err(ini, i, NULL, err, errlen, "duplicate section");
				goto out;
			}
	}
out:
	free(entries);
	return rc;
}

int
hl_ini_load_buf(struct hl_ini **out, const char *label, const void *buf, size_t len, char *err,
        size_t errlen)
{
	*out = NULL;
	if (label == NULL)
		label = "(buffer)";
	if (len > HL_INI_MAX_BYTES) {
		msg(err, errlen, "%s: %zu bytes, more than the %u a profile may have", label, len,
		        HL_INI_MAX_BYTES);
		return -EFBIG;
	}
	unsigned n_sections = 0;
	int rc = prescan(label, buf, len, &n_sections, err, errlen);
	if (rc < 0)
		return rc;

	/* rte_cfgfile reads only from a path: hand it an anonymous memory file holding exactly
	 * the bytes we checked (no temp file, no race with the original file changing). */
	int fd = memfd_create("hl_ini", MFD_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		msg(err, errlen, "%s: memfd_create: %s", label, strerror(errno));
		return rc;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, (const char *)buf + done, len - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			msg(err, errlen, "%s: writing memfd: %s", label, strerror(errno));
			close(fd);
			return rc;
		}
		done += (size_t)w;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct rte_cfgfile *cfg = rte_cfgfile_load(path, 0);
	close(fd);
	if (cfg == NULL && n_sections > 0)
		return msg(err, errlen, "%s: rte_cfgfile_load failed", label);

	struct hl_ini *ini = calloc(1, sizeof(*ini));
	if (ini == NULL) {
		if (cfg != NULL)
			rte_cfgfile_close(cfg);
		return -ENOMEM;
	}
	snprintf(ini->label, sizeof(ini->label), "%s", label);
	if (cfg != NULL) {
		rc = extract(ini, cfg, n_sections, err, errlen);
		rte_cfgfile_close(cfg);
		if (rc < 0) {
			hl_ini_free(ini);
			return rc;
		}
	}
	*out = ini;
	return 0;
}

int
hl_ini_load_file(struct hl_ini **out, const char *path, char *err, size_t errlen)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int rc = -errno;
		msg(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return rc;
	}
	char *buf = malloc(HL_INI_MAX_BYTES + 1);
	if (buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	size_t len = 0;
	int rc = 0;
	while (len <= HL_INI_MAX_BYTES) {
		ssize_t r = read(fd, buf + len, HL_INI_MAX_BYTES + 1 - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			msg(err, errlen, "%s: read: %s", path, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (rc == 0 && len > HL_INI_MAX_BYTES) {
		msg(err, errlen, "%s: more than the %u bytes a profile may have", path,
		        HL_INI_MAX_BYTES);
		rc = -EFBIG;
	}
	if (rc == 0)
		rc = hl_ini_load_buf(out, path, buf, len, err, errlen);
	free(buf);
	return rc;
}

const char *
hl_ini_label(const struct hl_ini *ini)
{
	return ini->label;
}

unsigned
hl_ini_num_sections(const struct hl_ini *ini)
{
	return ini->n_sections;
}

const char *
hl_ini_section(const struct hl_ini *ini, unsigned i)
{
	return i < ini->n_sections ? ini->sections[i].name : NULL;
}

int
hl_ini_find(const struct hl_ini *ini, const char *name)
{
	for (unsigned i = 0; i < ini->n_sections; i++)
		if (strcmp(ini->sections[i].name, name) == 0)
			return (int)i;
	return -1;
}

unsigned
hl_ini_num_keys(const struct hl_ini *ini, unsigned sec)
{
	return sec < ini->n_sections ? ini->sections[sec].n_keys : 0;
}

const char *
hl_ini_key(const struct hl_ini *ini, unsigned sec, unsigned k)
{
	if (sec >= ini->n_sections || k >= ini->sections[sec].n_keys)
		return NULL;
	return ini->sections[sec].keys[k].name;
}

const char *
hl_ini_key_value(struct hl_ini *ini, unsigned sec, unsigned k)
{
	if (sec >= ini->n_sections || k >= ini->sections[sec].n_keys)
		return NULL;
	ini->sections[sec].keys[k].used = true;
	return ini->sections[sec].keys[k].value;
}

const char *
hl_ini_get(struct hl_ini *ini, unsigned sec, const char *key)
{
	if (sec >= ini->n_sections)
		return NULL;
	struct ini_section *s = &ini->sections[sec];
	for (unsigned k = 0; k < s->n_keys; k++)
		if (strcmp(s->keys[k].name, key) == 0) {
			s->keys[k].used = true;
			return s->keys[k].value;
		}
	return NULL;
}

int
hl_ini_check_used(const struct hl_ini *ini, unsigned sec, char *err, size_t errlen)
{
	if (sec >= ini->n_sections)
		return 0;
	const struct ini_section *s = &ini->sections[sec];
	for (unsigned k = 0; k < s->n_keys; k++)
		if (!s->keys[k].used)
			return hl_ini_err(
			        ini, (int)sec, s->keys[k].name, err, errlen, "unknown key");
	return 0;
}

int
hl_ini_err(const struct hl_ini *ini, int sec, const char *key, char *err, size_t errlen,
        const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return -EINVAL;
	char reason[HL_INI_ERRLEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (sec < 0 || (unsigned)sec >= ini->n_sections)
		snprintf(err, errlen, "%s: %s", ini->label, reason);
	else if (key == NULL)
		snprintf(err, errlen, "%s: [%s]: %s", ini->label, ini->sections[sec].name, reason);
	else
		snprintf(err, errlen, "%s: [%s] %s: %s", ini->label, ini->sections[sec].name, key,
		        reason);
	return -EINVAL;
}

static int
missing(const struct hl_ini *ini, unsigned sec, const char *key, char *err, size_t errlen)
{
	return hl_ini_err(ini, (int)sec, key, err, errlen, "required key missing");
}

int
hl_ini_u64(struct hl_ini *ini, unsigned sec, const char *key, uint64_t min, uint64_t max,
        uint64_t *out, char *err, size_t errlen)
{
	const char *v = hl_ini_get(ini, sec, key);
	if (v == NULL)
		return 0;
	char why[HL_CFGVAL_WHYLEN];
	if (hl_cfgval_u64(v, min, max, out, why, sizeof(why)) < 0)
		return hl_ini_err(ini, (int)sec, key, err, errlen, "%s", why);
	return 0;
}

int
hl_ini_u64_req(struct hl_ini *ini, unsigned sec, const char *key, uint64_t min, uint64_t max,
        uint64_t *out, char *err, size_t errlen)
{
	if (hl_ini_get(ini, sec, key) == NULL)
		return missing(ini, sec, key, err, errlen);
	return hl_ini_u64(ini, sec, key, min, max, out, err, errlen);
}

int
hl_ini_u16(struct hl_ini *ini, unsigned sec, const char *key, uint16_t min, uint16_t max,
        uint16_t *out, char *err, size_t errlen)
{
	uint64_t v = *out;
	int rc = hl_ini_u64(ini, sec, key, min, max, &v, err, errlen);
	if (rc == 0)
		*out = (uint16_t)v;
	return rc;
}

int
hl_ini_u32(struct hl_ini *ini, unsigned sec, const char *key, uint32_t min, uint32_t max,
        uint32_t *out, char *err, size_t errlen)
{
	uint64_t v = *out;
	int rc = hl_ini_u64(ini, sec, key, min, max, &v, err, errlen);
	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

int
hl_ini_bool(struct hl_ini *ini, unsigned sec, const char *key, bool *out, char *err, size_t errlen)
{
	const char *v = hl_ini_get(ini, sec, key);
	if (v == NULL)
		return 0;
	char why[HL_CFGVAL_WHYLEN];
	if (hl_cfgval_bool(v, out, why, sizeof(why)) < 0)
		return hl_ini_err(ini, (int)sec, key, err, errlen, "%s", why);
	return 0;
}

int
hl_ini_str(struct hl_ini *ini, unsigned sec, const char *key, char *out, size_t cap, char *err,
        size_t errlen)
{
	const char *v = hl_ini_get(ini, sec, key);
	if (v == NULL)
		return 0;
	size_t n = strlen(v);
	if (n + 1 > cap)
		return hl_ini_err(
		        ini, (int)sec, key, err, errlen, "longer than %zu bytes", cap - 1);
	memcpy(out, v, n + 1);
	return 0;
}

int
hl_ini_duration(struct hl_ini *ini, unsigned sec, const char *key, uint64_t min_ns, uint64_t max_ns,
        uint64_t *out, char *err, size_t errlen)
{
	const char *v = hl_ini_get(ini, sec, key);
	if (v == NULL)
		return 0;
	char why[HL_CFGVAL_WHYLEN];
	if (hl_cfgval_duration(v, min_ns, max_ns, out, why, sizeof(why)) < 0)
		return hl_ini_err(ini, (int)sec, key, err, errlen, "%s", why);
	return 0;
}
