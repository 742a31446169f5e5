#include "config.h"

#include "scanner.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BITMAP_BITS 20
#define CHUNK ((size_t)1 << 20)
#define RAW_MAX ((size_t)1 << 20)
#define PAGE 4096

typedef struct window {
	uint32_t prefix; /* the first 4 bytes, as loaded */
	uint32_t secret;
	uint32_t offset; /* in the secret */
	unsigned char bytes[MS_WINDOW];
} window;

typedef struct secret {
	char name[MS_NAME_MAX];
	int group;
	size_t length;
} secret;

typedef struct raw_hit {
	uint32_t window;
	uint64_t address;
} raw_hit;

struct ms_scanner {
	secret *secrets;
	size_t n_secrets;
	window *windows; /* sorted by prefix once scanning starts */
	size_t n_windows;
	bool sorted;
	uint64_t bitmap[(1u << BITMAP_BITS) / 64];
	/* the scan in progress */
	raw_hit *raw;
	size_t n_raw, raw_capacity;
	bool truncated;
};

static uint32_t load32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static uint32_t bucket(uint32_t prefix)
{
	return (prefix * 2654435761u) >> (32 - BITMAP_BITS);
}

ms_scanner *ms_new(void)
{
	return calloc(1, sizeof(ms_scanner));
}

void ms_free(ms_scanner *scanner)
{
	if (scanner == NULL)
		return;
	if (scanner->windows != NULL)
		explicit_bzero(scanner->windows,
		               scanner->n_windows * sizeof(window));
	free(scanner->windows);
	free(scanner->secrets);
	free(scanner->raw);
	free(scanner);
}

static int distinct_bytes(const unsigned char *p, size_t n)
{
	bool seen[256] = {false};
	int count = 0;
	for (size_t i = 0; i < n; i++)
		if (!seen[p[i]]) {
			seen[p[i]] = true;
			count++;
		}
	return count;
}

int ms_add_secret(ms_scanner *scanner, const char *name, int group,
                  const unsigned char *bytes, size_t length)
{
	if (length < MS_WINDOW || length > MS_SECRET_MAX)
		return -1;
	size_t count = length - MS_WINDOW + 1;
	for (size_t i = 0; i < count; i++)
		if (distinct_bytes(bytes + i, MS_WINDOW) < 4)
			return -1;
	secret *secrets = realloc(scanner->secrets,
	                          (scanner->n_secrets + 1) * sizeof(secret));
	if (secrets == NULL)
		return -1;
	scanner->secrets = secrets;
	window *windows =
	        realloc(scanner->windows,
	                (scanner->n_windows + count) * sizeof(window));
	if (windows == NULL)
		return -1;
	scanner->windows = windows;
	secret *s = &secrets[scanner->n_secrets];
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "%s", name);
	s->group = group;
	s->length = length;
	for (size_t i = 0; i < count; i++) {
		window *w = &windows[scanner->n_windows + i];
		memcpy(w->bytes, bytes + i, MS_WINDOW);
		w->prefix = load32(w->bytes);
		w->secret = (uint32_t)scanner->n_secrets;
		w->offset = (uint32_t)i;
		uint32_t b = bucket(w->prefix);
		scanner->bitmap[b / 64] |= (uint64_t)1 << (b % 64);
	}
	scanner->n_windows += count;
	scanner->sorted = false;
	return (int)scanner->n_secrets++;
}

size_t ms_secret_count(const ms_scanner *scanner)
{
	return scanner->n_secrets;
}

const char *ms_secret_name(const ms_scanner *scanner, size_t index)
{
	return scanner->secrets[index].name;
}

int ms_secret_group(const ms_scanner *scanner, size_t index)
{
	return scanner->secrets[index].group;
}

static int by_prefix(const void *a, const void *b)
{
	const window *x = a, *y = b;
	return (x->prefix > y->prefix) - (x->prefix < y->prefix);
}

static void record(ms_scanner *scanner, size_t w, uint64_t address)
{
	if (scanner->n_raw == scanner->raw_capacity) {
		if (scanner->raw_capacity >= RAW_MAX) {
			scanner->truncated = true;
			return;
		}
		size_t capacity = scanner->raw_capacity
		                          ? scanner->raw_capacity * 2
		                          : 1024;
		raw_hit *raw =
		        realloc(scanner->raw, capacity * sizeof(raw_hit));
		if (raw == NULL) {
			scanner->truncated = true;
			return;
		}
		scanner->raw = raw;
		scanner->raw_capacity = capacity;
	}
	scanner->raw[scanner->n_raw++] = (raw_hit){(uint32_t)w, address};
}

/* Every window starting in p[0 .. n - MS_WINDOW]. */
static void search(ms_scanner *scanner, const unsigned char *p, size_t n,
                   uint64_t base)
{
	if (n < MS_WINDOW)
		return;
	const uint64_t *bitmap = scanner->bitmap;
	const window *windows = scanner->windows;
	size_t n_windows = scanner->n_windows;
	size_t last = n - MS_WINDOW;
	for (size_t i = 0; i <= last; i++) {
		uint32_t x = load32(p + i);
		uint32_t b = bucket(x);
		if (!(bitmap[b / 64] & ((uint64_t)1 << (b % 64))))
			continue;
		size_t lo = 0, hi = n_windows;
		while (lo < hi) { /* the first window with prefix >= x */
			size_t mid = lo + (hi - lo) / 2;
			if (windows[mid].prefix < x)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t w = lo; w < n_windows && windows[w].prefix == x;
		     w++)
			if (memcmp(windows[w].bytes, p + i, MS_WINDOW) == 0)
				record(scanner, w, base + i);
	}
}

/* Streams bytes through search(), keeping the last MS_WINDOW - 1 bytes
 * when the next piece continues at the following address. */
typedef struct stream {
	unsigned char *buffer; /* MS_WINDOW - 1 + CHUNK */
	size_t carry;
	uint64_t next; /* address right after the carried bytes */
} stream;

static void stream_feed(ms_scanner *scanner, stream *s, uint64_t address,
                        size_t n)
{
	/* the new bytes are at s->buffer + MS_WINDOW - 1 */
	unsigned char *start = s->buffer + MS_WINDOW - 1;
	size_t carry = (s->carry > 0 && s->next == address) ? s->carry : 0;
	search(scanner, start - carry, carry + n, address - carry);
	size_t keep = (carry + n) < MS_WINDOW - 1 ? carry + n : MS_WINDOW - 1;
	memmove(s->buffer + (MS_WINDOW - 1) - keep, start + n - keep, keep);
	s->carry = keep;
	s->next = address + n;
}

static void stream_break(stream *s)
{
	s->carry = 0;
}

static int stream_open(stream *s)
{
	memset(s, 0, sizeof *s);
	s->buffer = malloc(MS_WINDOW - 1 + CHUNK);
	return s->buffer ? 0 : -1;
}

static void stream_close(stream *s)
{
	if (s->buffer != NULL)
		explicit_bzero(s->buffer, MS_WINDOW - 1 + CHUNK);
	free(s->buffer);
	s->buffer = NULL;
}

static void begin(ms_scanner *scanner, ms_report *report)
{
	memset(report, 0, sizeof *report);
	if (!scanner->sorted) {
		qsort(scanner->windows, scanner->n_windows, sizeof(window),
		      by_prefix);
		scanner->sorted = true;
	}
	scanner->n_raw = 0;
	scanner->truncated = false;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t find_mapping(const ms_report *report, uint64_t address)
{
	size_t lo = 0, hi = report->n_maps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (report->maps[mid].end <= address)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < report->n_maps && report->maps[lo].start <= address)
		return lo;
	return SIZE_MAX;
}

static bool mapping_protected(const ms_report *report, size_t m)
{
	return m != SIZE_MAX && report->maps[m].locked &&
	       report->maps[m].dontdump;
}

static int by_occurrence(const void *a, const void *b)
{
	const ms_occurrence *x = a, *y = b;
	uint64_t bx = x->address - x->first, by = y->address - y->first;
	if (x->secret != y->secret)
		return (x->secret > y->secret) - (x->secret < y->secret);
	if (bx != by)
		return (bx > by) - (bx < by);
	return (x->first > y->first) - (x->first < y->first);
}

/* Raw window hits -> classified, merged occurrences. */
static int finish(ms_scanner *scanner, ms_report *report, bool have_maps)
{
	report->truncated = scanner->truncated;
	ms_occurrence *all =
	        calloc(scanner->n_raw ? scanner->n_raw : 1, sizeof *all);
	if (all == NULL)
		return -1;
	for (size_t i = 0; i < scanner->n_raw; i++) {
		const window *w = &scanner->windows[scanner->raw[i].window];
		ms_occurrence *o = &all[i];
		o->secret = w->secret;
		o->address = scanner->raw[i].address;
		o->first = w->offset;
		o->windows = 1;
		o->mapping = SIZE_MAX;
		o->protected_ = false;
		if (have_maps) {
			size_t m = find_mapping(report, o->address);
			size_t m_end = find_mapping(report,
			                            o->address + MS_WINDOW - 1);
			o->mapping = m;
			o->protected_ = mapping_protected(report, m) &&
			                mapping_protected(report, m_end);
		}
		if (o->protected_)
			report->windows_protected++;
		else
			report->windows_unprotected++;
	}
	qsort(all, scanner->n_raw, sizeof *all, by_occurrence);
	size_t n = 0;
	for (size_t i = 0; i < scanner->n_raw; i++) {
		ms_occurrence *o = &all[i];
		if (n > 0) {
			ms_occurrence *prev = &all[n - 1];
			if (prev->secret == o->secret &&
			    prev->address - prev->first ==
			            o->address - o->first &&
			    o->first <= prev->first + prev->windows) {
				size_t end = o->first + 1;
				if (end > prev->first + prev->windows)
					prev->windows = end - prev->first;
				prev->protected_ =
				        prev->protected_ && o->protected_;
				continue;
			}
		}
		all[n++] = *o;
	}
	for (size_t i = 0; i < n; i++) {
		if (all[i].protected_)
			report->occ_protected++;
		else
			report->occ_unprotected++;
	}
	report->hits = all;
	report->n_hits = n;
	return 0;
}

static bool has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	for (const char *p = flags; (p = strstr(p, flag)) != NULL; p += n)
		if ((p == flags || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static int read_smaps(pid_t pid, ms_report *report)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return -1;
	size_t capacity = 0;
	char line[1024];
	ms_mapping *current = NULL;
	while (fgets(line, sizeof line, f) != NULL) {
		uint64_t start, end, offset;
		unsigned major, minor;
		unsigned long inode;
		char perms[8];
		int consumed = 0;
		if (sscanf(line,
		           "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64
		           " %x:%x %lu %n",
		           &start, &end, perms, &offset, &major, &minor, &inode,
		           &consumed) == 7 &&
		    consumed > 0) {
			if (report->n_maps == capacity) {
				capacity = capacity ? capacity * 2 : 256;
				ms_mapping *maps = realloc(
				        report->maps, capacity * sizeof *maps);
				if (maps == NULL) {
					fclose(f);
					return -1;
				}
				report->maps = maps;
			}
			current = &report->maps[report->n_maps++];
			memset(current, 0, sizeof *current);
			current->start = start;
			current->end = end;
			snprintf(current->perms, sizeof current->perms, "%s",
			         perms);
			char *name = line + consumed;
			name[strcspn(name, "\n")] = '\0';
			snprintf(current->path, sizeof current->path, "%s",
			         name);
			continue;
		}
		if (current == NULL)
			continue;
		unsigned long long kb;
		if (sscanf(line, "Rss: %llu kB", &kb) == 1)
			current->rss_kb = kb;
		else if (sscanf(line, "Swap: %llu kB", &kb) == 1)
			current->swap_kb = kb;
		else if (strncmp(line, "VmFlags:", 8) == 0) {
			current->locked = has_flag(line + 8, "lo");
			current->dontdump = has_flag(line + 8, "dd");
		}
	}
	fclose(f);
	return 0;
}

static bool special(const ms_mapping *m)
{
	return strcmp(m->path, "[vvar]") == 0 ||
	       strcmp(m->path, "[vvar_vclock]") == 0 ||
	       strcmp(m->path, "[vsyscall]") == 0;
}

static bool anonymous(const ms_mapping *m)
{
	return m->path[0] == '\0' || strcmp(m->path, "[heap]") == 0 ||
	       strcmp(m->path, "[stack]") == 0 ||
	       strncmp(m->path, "[anon:", 6) == 0;
}

/* Reads [address, address + n) into the stream; a failed chunk is retried
 * page by page so that only what really cannot be read is lost. */
static void read_range(ms_scanner *scanner, stream *s, int fd, uint64_t address,
                       uint64_t n, ms_mapping *m, ms_report *report)
{
	unsigned char *into = s->buffer + MS_WINDOW - 1;
	while (n > 0) {
		size_t want = n < CHUNK ? (size_t)n : CHUNK;
		ssize_t got = pread(fd, into, want, (off_t)address);
		if (got == (ssize_t)want) {
			stream_feed(scanner, s, address, want);
			report->bytes_read += want;
		} else {
			for (size_t done = 0; done < want; done += PAGE) {
				size_t piece =
				        want - done < PAGE ? want - done : PAGE;
				if (pread(fd, into, piece,
				          (off_t)(address + done)) ==
				    (ssize_t)piece) {
					stream_feed(scanner, s, address + done,
					            piece);
					report->bytes_read += piece;
				} else {
					stream_break(s);
					m->unreadable_bytes += piece;
					report->bytes_unreadable += piece;
				}
			}
		}
		address += want;
		n -= want;
	}
}

int ms_scan_pid(ms_scanner *scanner, pid_t pid, ms_report *report)
{
	begin(scanner, report);
	double t0 = now();
	if (read_smaps(pid, report) != 0) {
		int e = errno;
		ms_report_free(report);
		errno = e;
		return -1;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		ms_report_free(report);
		errno = e;
		return -1;
	}
	stream s;
	if (stream_open(&s) != 0) {
		close(fd);
		ms_report_free(report);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < report->n_maps; i++) {
		ms_mapping *m = &report->maps[i];
		uint64_t size = m->end - m->start;
		if (special(m)) {
			m->fate = MS_SKIPPED_SPECIAL;
			stream_break(&s);
			continue;
		}
		if (anonymous(m) && m->rss_kb == 0 && m->swap_kb == 0) {
			m->fate = MS_EMPTY; /* never touched: zeros only */
			stream_break(&s);
			continue;
		}
		if (size > MS_RANGE_MAX) {
			m->fate = MS_SKIPPED_LARGE;
			report->ranges_skipped++;
			report->bytes_skipped += size;
			stream_break(&s);
			continue;
		}
		m->fate = MS_READ;
		read_range(scanner, &s, fd, m->start, size, m, report);
		if (m->unreadable_bytes > 0)
			report->ranges_unreadable++;
		else
			report->ranges_read++;
	}
	stream_close(&s);
	close(fd);
	int rc = finish(scanner, report, true);
	report->seconds = now() - t0;
	return rc;
}

int ms_scan_file(ms_scanner *scanner, const char *path, ms_report *report)
{
	begin(scanner, report);
	double t0 = now();
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	stream s;
	if (stream_open(&s) != 0) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	uint64_t offset = 0;
	for (;;) {
		ssize_t got = read(fd, s.buffer + MS_WINDOW - 1, CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			stream_close(&s);
			close(fd);
			errno = e;
			return -1;
		}
		if (got == 0)
			break;
		stream_feed(scanner, &s, offset, (size_t)got);
		offset += (uint64_t)got;
	}
	report->bytes_read = offset;
	report->ranges_read = 1;
	stream_close(&s);
	close(fd);
	int rc = finish(scanner, report, false);
	report->seconds = now() - t0;
	return rc;
}

int ms_scan_buffer(ms_scanner *scanner, const void *buffer, size_t length,
                   uint64_t base, ms_report *report)
{
	begin(scanner, report);
	search(scanner, buffer, length, base);
	report->bytes_read = length;
	report->ranges_read = 1;
	return finish(scanner, report, false);
}

void ms_count_group(const ms_report *report, const ms_scanner *scanner,
                    int group, size_t *protected_occ, size_t *unprotected_occ)
{
	size_t p = 0, u = 0;
	for (size_t i = 0; i < report->n_hits; i++) {
		const ms_occurrence *o = &report->hits[i];
		if (group >= 0 && scanner->secrets[o->secret].group != group)
			continue;
		if (o->protected_)
			p++;
		else
			u++;
	}
	if (protected_occ != NULL)
		*protected_occ = p;
	if (unprotected_occ != NULL)
		*unprotected_occ = u;
}

void ms_report_print(FILE *out, const ms_scanner *scanner,
                     const ms_report *report, const char *label,
                     size_t max_hits)
{
	fprintf(out,
	        "memscan[%s]: %zu occurrence(s) unprotected, %zu protected "
	        "(windows: %zu unprotected, %zu protected)%s; read %" PRIu64
	        " bytes in %zu ranges in %.2f s; unreadable %" PRIu64
	        " bytes in %zu ranges; skipped %zu ranges > 1 GiB (%" PRIu64
	        " bytes)\n",
	        label, report->occ_unprotected, report->occ_protected,
	        report->windows_unprotected, report->windows_protected,
	        report->truncated ? " [TRUNCATED: lower bounds]" : "",
	        report->bytes_read,
	        report->ranges_read + report->ranges_unreadable,
	        report->seconds, report->bytes_unreadable,
	        report->ranges_unreadable, report->ranges_skipped,
	        report->bytes_skipped);
	size_t n_protected = 0, n_empty = 0;
	uint64_t protected_bytes = 0;
	for (size_t i = 0; i < report->n_maps; i++) {
		const ms_mapping *m = &report->maps[i];
		if (mapping_protected(report, i) && m->fate == MS_READ) {
			n_protected++;
			protected_bytes +=
			        m->end - m->start - m->unreadable_bytes;
		}
		if (m->fate == MS_EMPTY)
			n_empty++;
	}
	if (report->n_maps > 0)
		fprintf(out,
		        "  %zu mappings: %zu locked+dontdump ones read "
		        "(%" PRIu64
		        " bytes), %zu never-touched anonymous ones not read\n",
		        report->n_maps, n_protected, protected_bytes, n_empty);
	for (size_t i = 0; i < report->n_hits && i < max_hits; i++) {
		const ms_occurrence *o = &report->hits[i];
		const secret *s = &scanner->secrets[o->secret];
		fprintf(out, "  %s %s bytes [%zu, %zu) of %zu at 0x%" PRIx64,
		        o->protected_ ? "protected  " : "UNPROTECTED", s->name,
		        o->first, o->first + o->windows + MS_WINDOW - 1,
		        s->length, o->address);
		if (o->mapping != SIZE_MAX) {
			const ms_mapping *m = &report->maps[o->mapping];
			fprintf(out,
			        " in %" PRIx64 "-%" PRIx64 " %s %s (+0x%" PRIx64
			        ") lo=%d dd=%d",
			        m->start, m->end, m->perms,
			        m->path[0] ? m->path : "[anonymous]",
			        o->address - m->start, m->locked, m->dontdump);
		}
		fputc('\n', out);
	}
	if (report->n_hits > max_hits)
		fprintf(out, "  ... and %zu more\n", report->n_hits - max_hits);
	for (size_t i = 0; i < report->n_maps; i++) {
		const ms_mapping *m = &report->maps[i];
		if (m->unreadable_bytes > 0 || m->fate == MS_SKIPPED_LARGE)
			fprintf(out,
			        "  note: %" PRIx64 "-%" PRIx64
			        " %s %s: %s%" PRIu64 " bytes\n",
			        m->start, m->end, m->perms,
			        m->path[0] ? m->path : "[anonymous]",
			        m->fate == MS_SKIPPED_LARGE
			                ? "not read (> 1 GiB), "
			                : "unreadable ",
			        m->fate == MS_SKIPPED_LARGE
			                ? m->end - m->start
			                : m->unreadable_bytes);
	}
}

void ms_report_free(ms_report *report)
{
	free(report->maps);
	free(report->hits);
	memset(report, 0, sizeof *report);
}
