/* sansio_log_probe.h — one HL_LOG call site built under the sans-IO poison header. */
#ifndef SANSIO_LOG_PROBE_H
#define SANSIO_LOG_PROBE_H

void sansio_log_probe(unsigned peer, unsigned seq);

#endif
