/* hl_ini.h — strict helpers over DPDK's rte_cfgfile for hyperline's INI profiles: load from a
 * file or from memory, check that every key is known, and parse values with errors that name
 * file, section, key and reason. */
#ifndef HL_INI_H
#define HL_INI_H

#include <stddef.h>
#include <stdint.h>

#include <rte_cfgfile.h>

struct hl_ini_err {
	char *buf;
	size_t len;
	const char *origin;
};

/** Set an error "origin: [section] key: reason" and return -HL_E_CONFIG. */
int hl_ini_fail(struct hl_ini_err *e, const char *section, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/** Load INI text from memory (via a memfd, since rte_cfgfile reads files). NULL + error set. */
struct rte_cfgfile *hl_ini_load_text(const char *text, size_t len, struct hl_ini_err *e);
struct rte_cfgfile *hl_ini_load_file(const char *path, struct hl_ini_err *e);

/** Reject keys of section not in the NULL-terminated list known. */
int hl_ini_check_keys(
        struct rte_cfgfile *c, const char *section, const char *const *known, struct hl_ini_err *e);

/* Value getters: return 1 when set, 0 when absent (value untouched), or -HL_E_CONFIG. */
int hl_ini_u64(struct rte_cfgfile *c, const char *s, const char *k, uint64_t min, uint64_t max,
        uint64_t *v, struct hl_ini_err *e);
int hl_ini_f64(struct rte_cfgfile *c, const char *s, const char *k, double min, double max,
        double *v, struct hl_ini_err *e);
int hl_ini_str(struct rte_cfgfile *c, const char *s, const char *k, char *v, size_t cap,
        struct hl_ini_err *e);
int
hl_ini_ipv4(struct rte_cfgfile *c, const char *s, const char *k, uint32_t *v, struct hl_ini_err *e);

/** Split a comma list in place into at most max trimmed items; returns the count or -E2BIG. */
int hl_ini_split(char *s, char **items, int max);

#endif
