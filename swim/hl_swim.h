/* hl_swim.h — SWIM + Lifeguard membership core, sans-IO: public API (issue 4 fills it). */
#ifndef HL_SWIM_H
#define HL_SWIM_H

/** Version string of the SWIM core. */
const char *hl_swim_version(void);

#endif
