/* hl_coord.h — sans-IO job coordination core: public API (filled by the coordination issue). */
#ifndef HL_COORD_H
#define HL_COORD_H

/** Version string of the coordination core. */
const char *hl_coord_version(void);

#endif
