/* hl_ini.h — strict INI reader for every hyperline profile (pmd-config, job, node): a lexical
 * pre-scan that rejects what DPDK's rte_cfgfile would silently skip or truncate, then
 * rte_cfgfile itself, then duplicate/unknown-key checks with messages that name the place.
 *
 * Message formats (what an operator sees):
 *   FILE:LINE: REASON                   lexical problems (found by the pre-scan)
 *   FILE: [SECTION]: REASON             a whole section (unknown, duplicate, missing)
 *   FILE: [SECTION] KEY: REASON         one key (unknown, duplicate, bad value)
 *
 * Every function returning int returns 0 or a negative errno: -EINVAL (bad profile: err says
 * why), -EFBIG (file over HL_INI_MAX_BYTES), -ENOENT/-EACCES/... (file cannot be read), -ENOMEM.
 */
#ifndef HL_INI_H
#define HL_INI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_INI_MAX_BYTES (256u * 1024) /* whole file */
#define HL_INI_MAX_LINE 320 /* bytes per line without '\n' (rte_cfgfile reads 324) */
#define HL_INI_MAX_SECTIONS 256 /* per file */
#define HL_INI_MAX_KEYS 64 /* per section */
#define HL_INI_NAME_MAX 63 /* section and key names (rte_cfgfile CFG_NAME_LEN - 1) */
#define HL_INI_VALUE_MAX 255 /* values (rte_cfgfile CFG_VALUE_LEN - 1) */
#define HL_INI_ERRLEN 512 /* suggested size of a caller's message buffer */

struct hl_ini;

/** Parse len bytes of INI text. label names the source in messages (usually the path). On
 * success *out owns a copy of every section and key; free it with hl_ini_free(). */
int hl_ini_load_buf(struct hl_ini **out, const char *label, const void *buf, size_t len, char *err,
        size_t errlen);

/** Read path (at most HL_INI_MAX_BYTES) and parse it as hl_ini_load_buf() with label = path. */
int hl_ini_load_file(struct hl_ini **out, const char *path, char *err, size_t errlen);

void hl_ini_free(struct hl_ini *ini);

const char *hl_ini_label(const struct hl_ini *ini);
unsigned hl_ini_num_sections(const struct hl_ini *ini);
/** Name of section i (file order), or NULL when i is out of range. */
const char *hl_ini_section(const struct hl_ini *ini, unsigned i);
/** Index of the section called name, or -1. */
int hl_ini_find(const struct hl_ini *ini, const char *name);

unsigned hl_ini_num_keys(const struct hl_ini *ini, unsigned sec);
/** Key k of section sec (file order), or NULL; hl_ini_key_value() marks it used. */
const char *hl_ini_key(const struct hl_ini *ini, unsigned sec, unsigned k);
const char *hl_ini_key_value(struct hl_ini *ini, unsigned sec, unsigned k);

/** Value of key in section sec, or NULL when absent. Marks the key used. */
const char *hl_ini_get(struct hl_ini *ini, unsigned sec, const char *key);

/** -EINVAL with "FILE: [SECTION] KEY: unknown key" for the first key of sec nobody asked for
 * (a typo must not be ignored); 0 when every key was used. */
int hl_ini_check_used(const struct hl_ini *ini, unsigned sec, char *err, size_t errlen);

/** Format "FILE: [SECTION] KEY: REASON" (key NULL: "FILE: [SECTION]: REASON"; sec < 0: "FILE:
 * REASON") into err and return -EINVAL. */
__attribute__((format(printf, 6, 7))) int hl_ini_err(const struct hl_ini *ini, int sec,
        const char *key, char *err, size_t errlen, const char *fmt, ...);

/* Typed getters: each parses key of section sec with the hl_cfgval rules, writes *out only on
 * success, and on failure returns -EINVAL with "FILE: [SECTION] KEY: REASON". Absent keys leave
 * *out untouched and return 0 unless the getter's name ends in _req (then "required key
 * missing"). */
int hl_ini_u64(struct hl_ini *ini, unsigned sec, const char *key, uint64_t min, uint64_t max,
        uint64_t *out, char *err, size_t errlen);
int hl_ini_u64_req(struct hl_ini *ini, unsigned sec, const char *key, uint64_t min, uint64_t max,
        uint64_t *out, char *err, size_t errlen);
int hl_ini_u16(struct hl_ini *ini, unsigned sec, const char *key, uint16_t min, uint16_t max,
        uint16_t *out, char *err, size_t errlen);
int hl_ini_u32(struct hl_ini *ini, unsigned sec, const char *key, uint32_t min, uint32_t max,
        uint32_t *out, char *err, size_t errlen);
int
hl_ini_bool(struct hl_ini *ini, unsigned sec, const char *key, bool *out, char *err, size_t errlen);
/** Copy a printable string of 1..cap-1 bytes into out[cap]. */
int hl_ini_str(struct hl_ini *ini, unsigned sec, const char *key, char *out, size_t cap, char *err,
        size_t errlen);
/** Duration with a unit (ns, us, ms, s, m, h) into nanoseconds, min..max. */
int hl_ini_duration(struct hl_ini *ini, unsigned sec, const char *key, uint64_t min_ns,
        uint64_t max_ns, uint64_t *out, char *err, size_t errlen);

#endif
