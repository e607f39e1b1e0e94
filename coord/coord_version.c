/* coord_version.c — version of the coordination core. */
#include "hl_coord.h"

const char *
hl_coord_version(void)
{
	return "coord-1";
}
