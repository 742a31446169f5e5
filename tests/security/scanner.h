/* A memory scanner for known secrets: searches another process's memory
 * (/proc/PID/smaps for the mappings and their VmFlags, /proc/PID/mem for
 * the bytes), or any file (a core dump), for every 12-byte window of each
 * secret, and classifies each hit by the mapping it lies in: protected if
 * the mapping is locked and excluded from core dumps (VmFlags `lo` and
 * `dd`), else unprotected.
 *
 * The scanner holds the secrets' windows in its own memory, so it must
 * never scan its own process: it scans a target (a parent that waits for
 * it, or a stopped child), whose /proc/PID/mem it may read as root or as
 * the target's tracer/parent with ptrace access.
 *
 * Search: every window is indexed by its first 4 bytes in a bitmap (one
 * probe per byte of memory) and a sorted table (binary search, then a
 * 12-byte compare), so a few hundred windows cost about as much as one.
 * Overlapping window hits of one secret at one place are merged into one
 * occurrence; both counts are reported. */
#ifndef GUARDHSM_TESTS_SECURITY_SCANNER_H
#define GUARDHSM_TESTS_SECURITY_SCANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define MS_WINDOW 12
#define MS_SECRET_MAX 64
#define MS_NAME_MAX 64
/* Ranges larger than this are not read but counted as skipped (ASan's
 * shadow memory is terabytes of mostly unbacked reservation). */
#define MS_RANGE_MAX ((uint64_t)1 << 30)

typedef struct ms_scanner ms_scanner;

typedef struct ms_mapping {
	uint64_t start, end;
	char perms[8];
	char path[256];
	bool locked;   /* VmFlags lo */
	bool dontdump; /* VmFlags dd */
	uint64_t rss_kb, swap_kb;
	enum { MS_READ, MS_EMPTY, MS_SKIPPED_SPECIAL, MS_SKIPPED_LARGE } fate;
	uint64_t unreadable_bytes;
} ms_mapping;

typedef struct ms_occurrence {
	size_t secret;    /* index in the scanner's secrets */
	uint64_t address; /* of the first matching window (or file offset) */
	size_t first;     /* offset in the secret of that window */
	size_t windows;   /* how many windows matched there */
	size_t mapping;   /* index in report->maps; SIZE_MAX: none (file) */
	bool protected_;  /* in a locked + dontdump mapping */
} ms_occurrence;

typedef struct ms_report {
	ms_mapping *maps;
	size_t n_maps;
	ms_occurrence *hits;
	size_t n_hits;
	size_t windows_protected, windows_unprotected;
	size_t occ_protected, occ_unprotected;
	uint64_t bytes_read, bytes_unreadable, bytes_skipped;
	size_t ranges_read, ranges_unreadable, ranges_skipped;
	bool truncated; /* too many raw hits: counts are lower bounds */
	double seconds;
} ms_report;

ms_scanner *ms_new(void);
void ms_free(ms_scanner *scanner); /* wipes the windows */

/* Adds a secret (MS_WINDOW..MS_SECRET_MAX bytes); group is the caller's
 * tag (e.g. which key this is a form of). Returns its index, or -1 (bad
 * length, or a window with fewer than 4 distinct bytes: a window so
 * regular would match unrelated memory). */
int ms_add_secret(ms_scanner *scanner, const char *name, int group,
                  const unsigned char *bytes, size_t length);
size_t ms_secret_count(const ms_scanner *scanner);
const char *ms_secret_name(const ms_scanner *scanner, size_t index);
int ms_secret_group(const ms_scanner *scanner, size_t index);

/* Scans process pid. Returns 0 (report filled; free it), or -1 with
 * errno set (smaps or mem could not be opened). */
int ms_scan_pid(ms_scanner *scanner, pid_t pid, ms_report *report);
/* Scans a file's bytes (every hit unprotected). */
int ms_scan_file(ms_scanner *scanner, const char *path, ms_report *report);
/* Scans a buffer, addresses counted from base (every hit unprotected). */
int ms_scan_buffer(ms_scanner *scanner, const void *buffer, size_t length,
                   uint64_t base, ms_report *report);

/* Counts of the occurrences of the secrets of one group (-1: all). */
void ms_count_group(const ms_report *report, const ms_scanner *scanner,
                    int group, size_t *protected_occ, size_t *unprotected_occ);

/* Summary and per-hit lines (at most max_hits hit lines). */
void ms_report_print(FILE *out, const ms_scanner *scanner,
                     const ms_report *report, const char *label,
                     size_t max_hits);
void ms_report_free(ms_report *report);

#endif
