/* hl_cfgval.h — value parsers shared by the profile readers: integers (strtoull, whole string,
 * range), booleans, names from a table, lists, durations, rates, MAC and IP addresses.
 *
 * Each parser takes the value text, writes its result only on success, and on failure returns
 * -EINVAL with a short reason (e.g. "9000 above max 4096") in why[whylen]; hl_ini adds the file,
 * section and key. Nothing here allocates or touches DPDK.
 */
#ifndef HL_CFGVAL_H
#define HL_CFGVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_CFGVAL_WHYLEN 160
#define HL_CFGVAL_MAX_ITEMS 64 /* entries of one comma-separated list */
#define HL_CFGVAL_ITEM_MAX 63 /* bytes of one list entry */

/** Decimal unsigned integer: digits only (no sign, no spaces, no 0x), min..max. */
int
hl_cfgval_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why, size_t whylen);

/** yes/no, true/false, on/off, 1/0 (case-insensitive). */
int hl_cfgval_bool(const char *s, bool *out, char *why, size_t whylen);

/** Index of s in names[0..n) (case-sensitive; NULL entries skipped). The reason lists the names. */
int hl_cfgval_enum(const char *s, const char *const *names, unsigned n, unsigned *out, char *why,
        size_t whylen);

/** Comma-separated list: up to max (<= HL_CFGVAL_MAX_ITEMS) non-empty items, each trimmed and at
 * most HL_CFGVAL_ITEM_MAX bytes, copied into items[][HL_CFGVAL_ITEM_MAX + 1]. An empty string or
 * "none" is the empty list. */
int hl_cfgval_list(const char *s, char items[][HL_CFGVAL_ITEM_MAX + 1], unsigned max, unsigned *n,
        char *why, size_t whylen);

/** Duration "<number><unit>" with unit ns, us, ms, s, m or h and an optional decimal fraction
 * ("1.5s"); result in nanoseconds, min..max. A bare number is rejected (unit needed). */
int hl_cfgval_duration(
        const char *s, uint64_t min_ns, uint64_t max_ns, uint64_t *out, char *why, size_t whylen);

/** Non-negative decimal "<int>[.<frac>]" (no exponent, no sign) as a double; *end points past
 * the number. Used by the rate and size readers. */
int hl_cfgval_decimal(const char *s, double *out, const char **end, char *why, size_t whylen);

/** Rate "<number><unit>[ l1|l2]": pps, kpps, Mpps, Gpps; bps, kbps, Mbps, Gbps, Tbps (L2 unless
 * followed by "l1"); "<number>%" of line rate; "unlimited". unit receives an enum hl_rate_unit
 * value. */
int hl_cfgval_rate(const char *s, unsigned *unit, double *value, char *why, size_t whylen);

/** MAC "aa:bb:cc:dd:ee:ff" (hex, 2 digits per byte). */
int hl_cfgval_mac(const char *s, uint8_t mac[6], char *why, size_t whylen);
/** IPv4 dotted quad into network order bytes (via inet_pton: no shorthand forms). */
int hl_cfgval_ipv4(const char *s, uint8_t out[4], char *why, size_t whylen);
/** IPv6 text form into 16 bytes (inet_pton). */
int hl_cfgval_ipv6(const char *s, uint8_t out[16], char *why, size_t whylen);

/** True when s is a valid name for a job/workflow/stream: 1..max bytes of [A-Za-z0-9_.-]. */
bool hl_cfgval_is_name(const char *s, size_t max);

#endif
