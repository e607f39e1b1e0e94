/* swim_version.c — placeholder translation unit of the SWIM core (issue 4 fills it). */
#include "hl_swim.h"

const char *
hl_swim_version(void)
{
	return "swim-0";
}
