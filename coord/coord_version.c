/* coord_version.c — placeholder translation unit of the coordination core (issue 6 fills it). */
#include "hl_coord.h"

const char *
hl_coord_version(void)
{
	return "coord-0";
}
