/*
 * p11interleave: the create rate of one or more PKCS#11 modules (say, two
 * builds of guardhsm.so) against bare SQLite durable commits, measured in
 * alternating short slices (module 1, module 2, ..., SQLite, again) so
 * that every rate sees the same disk conditions. On a shared disk whose
 * fsync latency drifts by 2x within seconds, this compares builds far
 * more steadily than separate runs of p11bench.
 *
 *   p11interleave [--seconds S] [--slice S] MODULE...
 *
 * Each MODULE is a path; give copies of a file, not the same path twice
 * (dlopen would return the same instance). Each gets a fresh store in a
 * temporary directory, a token and a logged-in session as in p11bench,
 * and creates p11bench's object (a generic secret with CKA_ID, CKA_LABEL
 * and a sensitive value); SQLite is p11bench's baseline
 * (p11bench_sqlite.c). p11bench's create row measures one module the same
 * way; this compares several at once. Not run by `make bench`.
 */
#include "config.h"

#include "p11bench_common.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SUBJECTS 8

static int remove_entry(const char *path, const struct stat *status, int kind,
                        struct FTW *walk)
{
	(void)status;
	(void)kind;
	(void)walk;
	if (remove(path) != 0)
		fprintf(stderr, "p11interleave: cannot remove %s: %s\n", path,
		        strerror(errno));
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: p11interleave [--seconds S] [--slice S] "
	             "MODULE...\n"
	             "  --seconds S  total time (default 6)\n"
	             "  --slice S    time per turn (default 0.05)\n");
}

int main(int argc, char **argv)
{
	bench_options options;
	memset(&options, 0, sizeof options);
	double total = 6, slice = 0.05;
	static bench_module modules[MAX_SUBJECTS];
	size_t count = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			total = atof(argv[++i]);
		} else if (strcmp(argv[i], "--slice") == 0 && i + 1 < argc) {
			slice = atof(argv[++i]);
		} else if (argv[i][0] == '-' || count == MAX_SUBJECTS) {
			usage(stderr);
			return 2;
		} else {
			bench_module *module = &modules[count];
			snprintf(module->name, sizeof module->name, "m%zu",
			         count);
			snprintf(module->path, sizeof module->path, "%s",
			         argv[i]);
			count++;
		}
	}
	if (count == 0 || !(total > 0) || !(slice > 0)) {
		usage(stderr);
		return 2;
	}
	const char *directory = getenv("TMPDIR");
	snprintf(options.base, sizeof options.base, "%s/p11interleave.XXXXXX",
	         directory != NULL && directory[0] != '\0' ? directory
	                                                   : "/tmp");
	if (mkdtemp(options.base) == NULL) {
		fprintf(stderr, "p11interleave: mkdtemp: %s\n",
		        strerror(errno));
		return 2;
	}
	int status = 0;
	bench_sqlite raw;
	for (size_t m = 0; m < count && status == 0; m++)
		if (!bench_module_prepare(&modules[m], &options, m) ||
		    !bench_module_open(&modules[m]))
			status = 1;
	if (!bench_sqlite_open(&raw, options.base)) {
		fprintf(stderr, "p11interleave: SQLite: %s\n",
		        bench_sqlite_error(&raw));
		status = 1;
	}

	/* Turns: each module, then SQLite; count and time each. */
	double spent[MAX_SUBJECTS + 1] = {0};
	size_t done[MAX_SUBJECTS + 1] = {0};
	double start = bench_now();
	while (status == 0 && bench_now() - start < total) {
		for (size_t turn = 0; turn <= count && status == 0; turn++) {
			double begun = bench_now(), elapsed = 0;
			do {
				bool ok = turn < count
				                  ? bench_module_create_object(
				                            &modules[turn],
				                            modules[turn].count)
				                  : bench_sqlite_commit(&raw);
				if (!ok) {
					status = 1;
					break;
				}
				done[turn]++;
				elapsed = bench_now() - begun;
			} while (elapsed < slice);
			spent[turn] += elapsed;
		}
	}
	if (status == 0) {
		double raw_rate = (double)done[count] / spent[count];
		for (size_t m = 0; m < count; m++) {
			double rate = (double)done[m] / spent[m];
			printf("%-40s %8.0f creates/s %6.1f%% of SQLite\n",
			       modules[m].path, rate, 100 * rate / raw_rate);
		}
		printf("%-40s %8.0f commits/s (SQLite %s, WAL, "
		       "synchronous=FULL)\n",
		       "bare SQLite", raw_rate, bench_sqlite_version());
	}
	for (size_t m = 0; m < count; m++) {
		if (modules[m].failed)
			fprintf(stderr, "p11interleave: %s: %s\n",
			        modules[m].path, modules[m].error);
		bench_module_finalize(&modules[m]);
	}
	bench_sqlite_close(&raw);
	nftw(options.base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return status;
}
