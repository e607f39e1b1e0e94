/* hl_report.h — how clients show progress and results: a one-line progress bar, a result table,
 * and machine formats (JSON, CSV) for scripts. */
#ifndef HL_REPORT_H
#define HL_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "hl_client_msg.h"

/** One progress line; with cr it starts with '\r' to redraw in place (terminal). */
void hl_report_progress(FILE *f, const struct hl_cp_progress *p, bool cr);
void hl_report_table(FILE *f, const struct hl_cp_result *r);
/** The per-DC (by_worker false) or per-worker breakdown of each stream, as a table. */
void hl_report_table_by(FILE *f, const struct hl_cp_result *r, bool by_worker);
int hl_report_json(FILE *f, const struct hl_cp_result *r);
void hl_report_csv(FILE *f, const struct hl_cp_result *r);
/** Sum of stream TX/RX packets against the sum of the port counters; prints the comparison.
 * Returns true when both match exactly, or when the result has no port counters (a cluster
 * job's: said so, not compared). */
bool hl_report_check_ports(FILE *f, const struct hl_cp_result *r);

#endif
