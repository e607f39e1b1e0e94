/* gen_corpus.c — writes the seed corpora of the lib/wire fuzz targets: a valid encoding of every
 * message of the table (required-only, some, and max when small) as msg inputs, as frames on
 * each plane it may use, and as prefixed frame streams. Usage: gen_corpus OUT_DIR */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hl_frame.h"
#include "hl_msg.h"
#include "wire_fill.h"
#include "fuzz_common.h"

#define MAX_SEED 4096 /* keep seeds small: libFuzzer's max_len follows the corpus */

static uint8_t buf[HL_FRAME_SLOW_MAX_DEFAULT];
static uint8_t tmp[HL_FRAME_SLOW_MAX_DEFAULT];

static int
write_file(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, len, f) != len) {
		perror(path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

static int
mkdirs(const char *out, const char *sub, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", out, sub);
	if (mkdir(out, 0755) != 0 && errno != EEXIST)
		return -1;
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const mode_names[] = {"some", "max", "req"};
	char dmsg[400], dframe[400], dstream[400];
	size_t msg_max = 0;
	unsigned files = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
		return 2;
	}
	if (mkdirs(argv[1], "msg", dmsg, sizeof(dmsg)) < 0 ||
	        mkdirs(argv[1], "frame", dframe, sizeof(dframe)) < 0 ||
	        mkdirs(argv[1], "stream", dstream, sizeof(dstream)) < 0) {
		perror(argv[1]);
		return 1;
	}
	for (unsigned i = 0; i < hl_msg_count; i++)
		if (hl_msg_infos[i].rec->size > msg_max)
			msg_max = hl_msg_infos[i].rec->size;
	void *m = malloc(msg_max);
	struct hl_frame_cfg fast, slow;
	hl_frame_cfg_init(&fast, hl_frame_cluster_hash(FUZZ_CLUSTER), HL_PLANE_FAST);
	hl_frame_cfg_init(&slow, hl_frame_cluster_hash(FUZZ_CLUSTER), HL_PLANE_SLOW);
	size_t spos = 1;
	unsigned streams = 0;
	tmp[0] = 7; /* stream chunk size selector */

	for (unsigned i = 0; i < hl_msg_count; i++) {
		const struct hl_msg_info *mi = &hl_msg_infos[i];
		for (int mode = WIRE_FILL_SOME; mode <= WIRE_FILL_REQ; mode++) {
			char name[128];
			size_t len;
			wire_fill(mi->rec, m, 0x5eed + i, (enum wire_fill_mode)mode);
			/* msg: 2-byte table index, then the body */
			buf[0] = (uint8_t)(i >> 8);
			buf[1] = (uint8_t)i;
			if (hl_msg_encode(mi->type, m, buf + 2, sizeof(buf) - 2, &len, NULL) != 0) {
				fprintf(stderr, "%s: encode failed\n", mi->name);
				return 1;
			}
			if (len + 2 > MAX_SEED)
				continue;
			snprintf(name, sizeof(name), "%s-%s", mi->name, mode_names[mode]);
			if (write_file(dmsg, name, buf, len + 2) < 0)
				return 1;
			files++;
			/* frames on each plane the message may use */
			const struct hl_frame_cfg *cfgs[2] = {&slow, &fast};
			for (int p = 0; p < (mi->plane == HL_PLANE_FAST ? 2 : 1); p++) {
				if (hl_frame_encode(cfgs[p], mi->type, m, buf, sizeof(buf), &len,
				            NULL) != 0) {
					fprintf(stderr, "%s: frame failed\n", mi->name);
					return 1;
				}
				snprintf(name, sizeof(name), "%s-%s-%s", mi->name,
				        p == 0 ? "slow" : "fast", mode_names[mode]);
				if (write_file(dframe, name, buf, len) < 0)
					return 1;
				files++;
				/* streams of a few prefixed frames each */
				if (p == 0 && mode == WIRE_FILL_SOME) {
					hl_frame_prefix(tmp + spos, (uint32_t)len);
					memcpy(tmp + spos + 4, buf, len);
					spos += 4 + len;
					if (spos > 2048 || i + 1 == hl_msg_count) {
						snprintf(name, sizeof(name), "stream-%02u",
						        streams++);
						if (write_file(dstream, name, tmp, spos) < 0)
							return 1;
						files++;
						tmp[0] = (uint8_t)(streams * 13);
						spos = 1;
					}
				}
			}
		}
	}
	free(m);
	printf("wrote %u seed files to %s\n", files, argv[1]);
	return 0;
}
