/*
 * p11bench: guardhsm and other PKCS#11 modules (SoftHSM) measured by the
 * same code in one run, next to the raw limits they are built on.
 *
 *   p11bench [--objects N] [--softhsm-objects N] [--seconds S]
 *            [--module NAME=PATH ...] [--dir DIR] [--keep]
 *            [--only PREFIX ...] [workload...]
 *
 * Every module is loaded by path (dlopen + C_GetFunctionList) and given a
 * fresh token in a temporary store, so nothing depends on what is
 * installed or configured. With no --module, the modules are guardhsm (the
 * one built in this tree, or $GUARDHSM_MODULE) and SoftHSM if installed
 * ($SOFTHSM_MODULE, else Debian's path). The first module is the subject:
 * the ratios compare it with the others and with the raw baselines.
 *
 * The signing rows (C_SignInit + C_Sign on 1 and 2 threads, next to bare
 * libsodium and OpenSSL) are printed a second time in a table of their
 * own: each module's rate, its share of the raw rate, and the 2-thread
 * scaling.
 *
 * Nothing here passes or fails on speed: timings are measured and printed,
 * and the targets are printed beside them for a human. The program fails
 * only if the subject module fails an operation.
 */
#include "config.h"

#include "p11bench_common.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#define DEFAULT_OBJECTS 100000
#define DEFAULT_SOFTHSM_OBJECTS 2000
#define DEFAULT_SECONDS 3.0
#define MAX_MODULES 8
#define SOFTHSM_PATH "/usr/lib/softhsm/libsofthsm2.so"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: p11bench [options] [workload...]\n"
	        "  --objects N          objects in the populated store "
	        "(default %d, or $BENCH_OBJECTS)\n"
	        "  --softhsm-objects N  the same for SoftHSM, whose file "
	        "backend is slow\n"
	        "                       (default the smaller of %d and "
	        "--objects)\n"
	        "  --seconds S          time per timed workload (default "
	        "%.0f, or $BENCH_SECONDS)\n"
	        "  --module NAME=PATH   a PKCS#11 module to measure "
	        "(repeatable; the first is\n"
	        "                       the subject of the ratios; default: "
	        "guardhsm and SoftHSM)\n"
	        "  --dir DIR            where the temporary stores go "
	        "(default $TMPDIR or /tmp)\n"
	        "  --keep               leave the temporary stores behind\n"
	        "  --only PREFIX        run the workloads whose name starts "
	        "with PREFIX\n"
	        "                       (repeatable; `--only sign`: every "
	        "signing workload)\n"
	        "workloads:",
	        DEFAULT_OBJECTS, DEFAULT_SOFTHSM_OBJECTS, DEFAULT_SECONDS);
	const char *previous = "";
	for (size_t i = 0; i < bench_workload_count; i++) {
		if (strcmp(previous, bench_workloads[i].group) != 0)
			fprintf(out, " %s", bench_workloads[i].group);
		previous = bench_workloads[i].group;
	}
	fprintf(out, " (default: all)\n");
}

static bool parse_count(const char *text, size_t *out)
{
	char *end;

	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || text[0] == '-' ||
	    value == 0)
		return false;
	*out = (size_t)value;
	return true;
}

static bool parse_seconds(const char *text, double *out)
{
	char *end;

	errno = 0;
	double value = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !(value > 0))
		return false;
	*out = value;
	return true;
}

static bool file_exists(const char *path)
{
	return access(path, R_OK) == 0;
}

static void add_module(bench_module *modules, size_t *count, const char *name,
                       const char *path)
{
	bench_module *module = &modules[(*count)++];

	memset(module, 0, sizeof(*module));
	snprintf(module->name, sizeof(module->name), "%s", name);
	/* The cold-login child runs from the same directory, but an
	 * absolute path keeps the report unambiguous. */
	if (realpath(path, module->path) == NULL)
		snprintf(module->path, sizeof(module->path), "%s", path);
	module->is_softhsm = strstr(name, "softhsm") != NULL ||
	                     strstr(name, "SoftHSM") != NULL ||
	                     strstr(path, "softhsm") != NULL;
}

/* The module built in this tree: beside this program's build directory
 * (bench/p11bench -> src/pkcs11/.libs/guardhsm.so), else relative to the
 * current directory, as `make bench` runs us from the build directory. */
static bool find_guardhsm(char *path, size_t size)
{
	const char *given = getenv("GUARDHSM_MODULE");
	char self[PATH_MAX];

	if (given != NULL && given[0] != '\0') {
		snprintf(path, size, "%s", given);
		return true;
	}
	ssize_t length = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (length > 0) {
		self[length] = '\0';
		char *slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			int written = snprintf(
			        path, size,
			        "%s/../src/pkcs11/.libs/guardhsm.so", self);
			if (written > 0 && (size_t)written < size &&
			    file_exists(path))
				return true;
		}
	}
	snprintf(path, size, "src/pkcs11/.libs/guardhsm.so");
	return file_exists(path);
}

static int remove_entry(const char *path, const struct stat *status, int kind,
                        struct FTW *walk)
{
	if (remove(path) != 0)
		fprintf(stderr, "p11bench: cannot remove %s: %s\n", path,
		        strerror(errno));
	return 0;
}

/* ---- The table
 * ------------------------------------------------------------------ */

static void format_value(char *cell, size_t size, double value)
{
	double magnitude = fabs(value);

	if (isnan(value))
		snprintf(cell, size, "-");
	else if (magnitude >= 100)
		snprintf(cell, size, "%.0f", value);
	else if (magnitude >= 10)
		snprintf(cell, size, "%.1f", value);
	else if (magnitude >= 1)
		snprintf(cell, size, "%.2f", value);
	else
		snprintf(cell, size, "%.3f", value);
}

static void format_result(char *cell, size_t size, const bench_result *result,
                          const bench_module *module)
{
	char value[32];

	if (result->unsupported) {
		snprintf(cell, size, "not supported");
	} else if (result->done) {
		format_value(value, sizeof(value), result->value);
		if (result->objects > 0)
			snprintf(cell, size, "%s (N=%zu)", value,
			         result->objects);
		else
			snprintf(cell, size, "%s", value);
	} else if (result->failed || (module != NULL && module->failed)) {
		snprintf(cell, size, "failed");
	} else {
		snprintf(cell, size, "-");
	}
}

/* How many times better the subject is than another figure, as a phrase. */
static void compare(char *text, size_t size, const bench_workload *workload,
                    double subject, double other, const char *subject_name,
                    const char *other_name)
{
	double factor =
	        workload->higher_is_better ? subject / other : other / subject;

	if (!(factor > 0) || isinf(factor))
		snprintf(text, size, "%s vs %s: n/a", subject_name, other_name);
	else if (factor >= 1)
		snprintf(text, size, "%s %.1fx faster than %s", subject_name,
		         factor, other_name);
	else
		snprintf(text, size, "%s %.1fx slower than %s", subject_name,
		         1 / factor, other_name);
}

static void ratios(char *text, size_t size, const bench_workload *workload,
                   const bench_module *modules, size_t module_count,
                   bench_result *const *results, const bench_result *raw)
{
	const bench_result *subject = results[0];
	size_t used = 0;

	text[0] = '\0';
	if (!subject->done || isnan(subject->value))
		return;
	if (raw != NULL && raw->done) {
		double share = workload->higher_is_better
		                       ? subject->value / raw->value
		                       : raw->value / subject->value;
		used += (size_t)snprintf(text + used, size - used,
		                         "%s = %.0f%% of %s", modules[0].name,
		                         share * 100, workload->raw_name);
	}
	for (size_t m = 1; m < module_count && used < size; m++) {
		const bench_result *other = results[m];
		char phrase[160];

		if (!other->done || isnan(other->value))
			continue;
		compare(phrase, sizeof(phrase), workload, subject->value,
		        other->value, modules[0].name, modules[m].name);
		used += (size_t)snprintf(text + used, size - used, "%s%s",
		                         used > 0 ? "; " : "", phrase);
	}
}

typedef struct table {
	size_t columns;
	size_t rows;
	char (*cells)[160];
	size_t widths[16];
} table;

static char *cell(table *t, size_t row, size_t column)
{
	return t->cells[row * t->columns + column];
}

static void print_separator(const table *t)
{
	for (size_t c = 0; c < t->columns; c++) {
		printf("%s", c == 0 ? "|" : "");
		for (size_t i = 0; i < t->widths[c] + 2; i++)
			putchar('-');
		putchar('|');
	}
	putchar('\n');
}

static void print_table(table *t)
{
	for (size_t c = 0; c < t->columns; c++) {
		t->widths[c] = 0;
		for (size_t r = 0; r < t->rows; r++) {
			size_t length = strlen(cell(t, r, c));
			if (length > t->widths[c])
				t->widths[c] = length;
		}
	}
	for (size_t r = 0; r < t->rows; r++) {
		printf("|");
		for (size_t c = 0; c < t->columns; c++)
			printf(" %-*s |", (int)t->widths[c], cell(t, r, c));
		putchar('\n');
		if (r == 0)
			print_separator(t);
	}
}

static void run_raw(const bench_workload *workload,
                    const bench_options *options, bench_result *result)
{
	memset(result, 0, sizeof(*result));
	fprintf(stderr, "p11bench: raw: %s\n", workload->raw_name);
	workload->raw(options, result);
}

/* The mean of the runs before and after, both shown in the notes. */
static void combine_raw(const bench_result *before, const bench_result *after,
                        bench_result *result)
{
	char first[32], second[32];

	if (!before->done || !after->done) {
		*result = before->done ? *before : *after;
		return;
	}
	*result = *after;
	result->value = (before->value + after->value) / 2;
	if (before->cores < after->cores)
		result->cores = before->cores;
	format_value(first, sizeof(first), before->value);
	format_value(second, sizeof(second), after->value);
	/* A shared disk's fsync latency can change severalfold within
	 * seconds; a ratio against such a mean means little. */
	double drift = before->value > after->value
	                       ? before->value / after->value
	                       : after->value / before->value;
	if (drift > 1.5)
		snprintf(result->note, sizeof(result->note),
		         "mean of %s before and %s after the subject: "
		         "UNRELIABLE, the machine's speed changed %.1fx in "
		         "between (bench/p11interleave measures in alternating "
		         "slices)",
		         first, second, drift);
	else
		snprintf(result->note, sizeof(result->note),
		         "mean of %s before and %s after the subject; after: "
		         "%.120s",
		         first, second, after->note);
}

/* The signing rows once more, as the issue asks for them: each module's
 * rate, the raw rate, each module's share of it, and how the rate of a
 * 2-thread row compares with the 1-thread row of its group. */
static void print_sign_table(const bench_module *modules, size_t module_count,
                             bench_result *const *results,
                             const bench_result *raw, const bool *selected)
{
	table t;
	size_t rows = 1;

	for (size_t w = 0; w < bench_workload_count; w++)
		rows += selected[w] && bench_workloads[w].threads > 0;
	if (rows == 1)
		return;
	t.columns = 1 + module_count + 1 + module_count + 1;
	t.rows = rows;
	t.cells = calloc(t.rows * t.columns, sizeof(*t.cells));
	if (t.cells == NULL)
		return;
	snprintf(cell(&t, 0, 0), 160, "signing (C_SignInit+C_Sign, 32 B)");
	for (size_t m = 0; m < module_count; m++) {
		snprintf(cell(&t, 0, 1 + m), 160, "%.60s signs/s",
		         modules[m].name);
		snprintf(cell(&t, 0, 2 + module_count + m), 160, "%.60s/raw",
		         modules[m].name);
	}
	snprintf(cell(&t, 0, 1 + module_count), 160, "raw signs/s");
	snprintf(cell(&t, 0, t.columns - 1), 160, "2T/1T");
	size_t row = 1;
	for (size_t w = 0; w < bench_workload_count; w++) {
		const bench_workload *workload = &bench_workloads[w];
		char value[32];

		if (!selected[w] || workload->threads == 0)
			continue;
		/* The 1-thread row this one scales from. */
		size_t base = w;
		if (workload->threads > 1)
			for (size_t v = 0; v < bench_workload_count; v++)
				if (bench_workloads[v].threads == 1 &&
				    strcmp(bench_workloads[v].group,
				           workload->group) == 0) {
					base = v;
					break;
				}
		snprintf(cell(&t, row, 0), 160, "%s", workload->title);
		for (size_t m = 0; m < module_count; m++) {
			const bench_result *result = &results[m][w];
			char *share = cell(&t, row, 2 + module_count + m);

			format_result(cell(&t, row, 1 + m), 160, result,
			              workload->run != NULL ? &modules[m]
			                                    : NULL);
			if (result->done && raw[w].done && raw[w].value > 0)
				snprintf(share, 160, "%.0f%%",
				         100 * result->value / raw[w].value);
			else
				snprintf(share, 160, "-");
		}
		if (raw[w].done) {
			format_value(value, sizeof(value), raw[w].value);
			snprintf(cell(&t, row, 1 + module_count), 160, "%s: %s",
			         workload->raw_name, value);
		} else {
			snprintf(cell(&t, row, 1 + module_count), 160, "%s",
			         workload->raw != NULL ? "failed" : "-");
		}
		char *scaling = cell(&t, row, t.columns - 1);
		size_t used = 0;
		for (size_t m = 0; base != w && m <= module_count && used < 160;
		     m++) {
			const bench_result *two =
			        m < module_count ? &results[m][w] : &raw[w];
			const bench_result *one = m < module_count
			                                  ? &results[m][base]
			                                  : &raw[base];
			const char *name =
			        m < module_count ? modules[m].name : "raw";

			if (!two->done || !one->done || !(one->value > 0))
				continue;
			used += (size_t)snprintf(scaling + used, 160 - used,
			                         "%s%.50s %.2fx",
			                         used > 0 ? ", " : "", name,
			                         two->value / one->value);
		}
		row++;
	}
	printf("\n");
	print_table(&t);
	free(t.cells);
	/* A busy machine (other jobs, a VM's stolen time) leaves a 2-thread
	 * figure meaningless: say so when even the raw baseline could not
	 * keep the cores busy. */
	for (size_t w = 0; w < bench_workload_count; w++) {
		const bench_workload *workload = &bench_workloads[w];
		if (selected[w] && workload->threads > 1 && raw[w].done &&
		    raw[w].cores > 0 &&
		    raw[w].cores < 0.9 * (double)workload->threads)
			printf("warning: %s: the raw baseline kept only %.2f "
			       "of "
			       "%u cores busy; the machine is loaded and this "
			       "row's scaling means little.\n",
			       workload->title, raw[w].cores,
			       workload->threads);
	}
}

/* ---- The run
 * ---------------------------------------------------------------------- */

static bool prefix_of(const char *prefix, const char *group)
{
	return strncmp(group, prefix, strlen(prefix)) == 0;
}

/* Everything if nothing was named; else the named groups and those
 * starting with a --only prefix. */
static bool selected_group(const char *group, char **names, int count,
                           char **prefixes, int prefix_count)
{
	if (count == 0 && prefix_count == 0)
		return true;
	for (int i = 0; i < count; i++)
		if (strcmp(names[i], group) == 0)
			return true;
	for (int i = 0; i < prefix_count; i++)
		if (prefix_of(prefixes[i], group))
			return true;
	return false;
}

static void print_header(const bench_options *options,
                         const bench_module *modules, size_t module_count)
{
	struct utsname system;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	uname(&system);
	printf("p11bench (%s %s): %s %s, %ld cores; %.1f s per timed "
	       "workload; stores in %s\n",
	       PACKAGE_NAME, PACKAGE_VERSION, system.sysname, system.release,
	       cores, options->seconds, options->base);
	for (size_t m = 0; m < module_count; m++)
		printf("  %s: %s (N=%zu)\n", modules[m].name, modules[m].path,
		       modules[m].objects);
	printf("\n");
}

int main(int argc, char **argv)
{
	bench_options options;
	bench_module modules[MAX_MODULES];
	size_t module_count = 0;
	char *names[64];
	int name_count = 0;
	char *prefixes[64];
	int prefix_count = 0;
	bool softhsm_objects_given = false;
	const char *directory = getenv("TMPDIR");
	const char *environment;

	if (bench_workload_count > BENCH_MAX_WORKLOADS) {
		fprintf(stderr, "p11bench: raise BENCH_MAX_WORKLOADS\n");
		return 2;
	}
	memset(&options, 0, sizeof(options));
	options.objects = DEFAULT_OBJECTS;
	options.softhsm_objects = DEFAULT_SOFTHSM_OBJECTS;
	options.seconds = DEFAULT_SECONDS;
	environment = getenv("BENCH_OBJECTS");
	if (environment != NULL && environment[0] != '\0' &&
	    !parse_count(environment, &options.objects)) {
		fprintf(stderr, "p11bench: bad BENCH_OBJECTS: %s\n",
		        environment);
		return 2;
	}
	environment = getenv("BENCH_SECONDS");
	if (environment != NULL && environment[0] != '\0' &&
	    !parse_seconds(environment, &options.seconds)) {
		fprintf(stderr, "p11bench: bad BENCH_SECONDS: %s\n",
		        environment);
		return 2;
	}
	if (directory == NULL || directory[0] == '\0')
		directory = "/tmp";

	for (int i = 1; i < argc; i++) {
		const char *argument = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = true;

		if (strcmp(argument, "--login-child") == 0 && value != NULL)
			return bench_login_child(value);
		if (strcmp(argument, "--help") == 0 ||
		    strcmp(argument, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argument, "--keep") == 0) {
			options.keep = true;
			continue;
		}
		if (argument[0] != '-') {
			bool known = false;
			for (size_t w = 0; w < bench_workload_count; w++)
				known = known ||
				        strcmp(bench_workloads[w].group,
				               argument) == 0;
			if (!known || name_count == 64) {
				fprintf(stderr,
				        "p11bench: unknown workload %s\n",
				        argument);
				usage(stderr);
				return 2;
			}
			names[name_count++] = argv[i];
			continue;
		}
		if (value == NULL) {
			usage(stderr);
			return 2;
		}
		i++;
		if (strcmp(argument, "--objects") == 0) {
			ok = parse_count(value, &options.objects);
		} else if (strcmp(argument, "--softhsm-objects") == 0) {
			ok = parse_count(value, &options.softhsm_objects);
			softhsm_objects_given = true;
		} else if (strcmp(argument, "--seconds") == 0) {
			ok = parse_seconds(value, &options.seconds);
		} else if (strcmp(argument, "--only") == 0) {
			ok = prefix_count < 64 && value[0] != '\0';
			for (size_t w = 0; ok && w < bench_workload_count; w++)
				if (prefix_of(value, bench_workloads[w].group))
					break;
				else if (w + 1 == bench_workload_count)
					ok = false; /* matches no workload */
			if (ok)
				prefixes[prefix_count++] = argv[i];
		} else if (strcmp(argument, "--dir") == 0) {
			directory = value;
		} else if (strcmp(argument, "--module") == 0) {
			const char *equals = strchr(value, '=');
			char name[64];

			ok = equals != NULL && equals != value &&
			     equals[1] != '\0' && module_count < MAX_MODULES &&
			     (size_t)(equals - value) < sizeof(name);
			if (ok) {
				snprintf(name, sizeof(name), "%.*s",
				         (int)(equals - value), value);
				add_module(modules, &module_count, name,
				           equals + 1);
			}
		} else {
			ok = false;
		}
		if (!ok) {
			fprintf(stderr, "p11bench: bad option %s %s\n",
			        argument, value);
			usage(stderr);
			return 2;
		}
	}
	if (!softhsm_objects_given && options.softhsm_objects > options.objects)
		options.softhsm_objects = options.objects;

	if (module_count == 0) {
		char path[PATH_MAX];
		const char *softhsm = getenv("SOFTHSM_MODULE");

		if (!find_guardhsm(path, sizeof(path)))
			fprintf(stderr, "p11bench: guardhsm.so not found "
			                "(build it with `make`, or set "
			                "GUARDHSM_MODULE)\n");
		add_module(modules, &module_count, "guardhsm", path);
		if (softhsm == NULL || softhsm[0] == '\0')
			softhsm = SOFTHSM_PATH;
		if (file_exists(softhsm))
			add_module(modules, &module_count, "SoftHSM", softhsm);
		else
			printf("note: SoftHSM not found at %s (apt-get install "
			       "softhsm2, or set SOFTHSM_MODULE): skipped\n",
			       softhsm);
	}
	for (size_t m = 0; m < module_count; m++)
		modules[m].objects = modules[m].is_softhsm
		                             ? options.softhsm_objects
		                             : options.objects;

	snprintf(options.base, sizeof(options.base), "%s/p11bench.XXXXXX",
	         directory);
	if (mkdtemp(options.base) == NULL) {
		fprintf(stderr,
		        "p11bench: cannot create a directory in %s: "
		        "%s\n",
		        directory, strerror(errno));
		return 2;
	}
	print_header(&options, modules, module_count);

	/* Which rows run: the named groups, plus populate if any chosen row
	 * needs the populated store (so its cost is always shown). */
	bool selected[BENCH_MAX_WORKLOADS] = {false};
	bool needs_population = false;
	for (size_t w = 0; w < bench_workload_count; w++) {
		selected[w] =
		        selected_group(bench_workloads[w].group, names,
		                       name_count, prefixes, prefix_count);
		needs_population =
		        needs_population ||
		        (selected[w] && bench_workloads[w].needs_population);
	}
	for (size_t w = 0; w < bench_workload_count; w++)
		if (needs_population &&
		    strcmp(bench_workloads[w].group, "populate") == 0)
			selected[w] = true;

	bench_result raw[BENCH_MAX_WORKLOADS];
	bench_result *results[MAX_MODULES];
	memset(raw, 0, sizeof(raw));
	for (size_t m = 0; m < module_count; m++) {
		results[m] = calloc(bench_workload_count, sizeof(bench_result));
		if (results[m] == NULL) {
			fprintf(stderr, "p11bench: out of memory\n");
			return 2;
		}
	}

	/* One module at a time, so they never compete for the two cores or
	 * the disk. */
	for (size_t m = 0; m < module_count; m++) {
		bench_module *module = &modules[m];

		if (module->path[0] == '\0' || !file_exists(module->path))
			bench_fail(module, "no module at %s", module->path);
		else
			bench_module_prepare(module, &options, m);
		for (size_t w = 0; w < bench_workload_count && !module->failed;
		     w++) {
			if (!selected[w] || bench_workloads[w].run == NULL)
				continue;
			/* The subject's raw baseline right before and right
			 * after it, on the same disk: the machine's speed
			 * drifts (other jobs, the disk's cache), and a ratio
			 * means something only between neighbours in time. */
			bool with_raw =
			        m == 0 && bench_workloads[w].raw != NULL;
			bench_result before, after;
			if (with_raw && bench_workloads[w].paired != NULL) {
				fprintf(stderr,
				        "p11bench: %s: %s, in turns with %s\n",
				        module->name, bench_workloads[w].title,
				        bench_workloads[w].raw_name);
				bench_workloads[w].paired(module, &options,
				                          &results[m][w],
				                          &raw[w]);
				if (module->failed)
					results[m][w].failed = true;
				continue;
			}
			if (with_raw)
				run_raw(&bench_workloads[w], &options, &before);
			fprintf(stderr, "p11bench: %s: %s\n", module->name,
			        bench_workloads[w].title);
			bench_workloads[w].run(module, &options,
			                       &results[m][w]);
			if (with_raw) {
				run_raw(&bench_workloads[w], &options, &after);
				combine_raw(&before, &after, &raw[w]);
			}
			if (module->failed)
				results[m][w].failed = true;
		}
		bench_module_finalize(module);
	}
	/* Baselines the subject never reached (it failed) still mean
	 * something on their own. */
	for (size_t w = 0; w < bench_workload_count; w++)
		if (selected[w] && bench_workloads[w].raw != NULL &&
		    !raw[w].done && !raw[w].failed)
			run_raw(&bench_workloads[w], &options, &raw[w]);

	/* workload | target | modules... | raw | ratios */
	table t;
	t.columns = 2 + module_count + 2;
	t.rows = 1;
	for (size_t w = 0; w < bench_workload_count; w++)
		t.rows += selected[w];
	t.cells = calloc(t.rows * t.columns, sizeof(*t.cells));
	if (t.cells == NULL) {
		fprintf(stderr, "p11bench: out of memory\n");
		return 2;
	}
	snprintf(cell(&t, 0, 0), 160, "workload");
	snprintf(cell(&t, 0, 1), 160, "target (guardhsm)");
	for (size_t m = 0; m < module_count; m++)
		snprintf(cell(&t, 0, 2 + m), 160, "%.63s", modules[m].name);
	snprintf(cell(&t, 0, 2 + module_count), 160, "raw");
	snprintf(cell(&t, 0, 3 + module_count), 160, "ratios");
	size_t row = 1;
	for (size_t w = 0; w < bench_workload_count; w++) {
		const bench_workload *workload = &bench_workloads[w];
		bench_result *row_results[MAX_MODULES];

		if (!selected[w])
			continue;
		snprintf(cell(&t, row, 0), 160, "%s (%s)", workload->title,
		         workload->unit);
		snprintf(cell(&t, row, 1), 160, "%s",
		         workload->target ? workload->target : "");
		for (size_t m = 0; m < module_count; m++) {
			format_result(cell(&t, row, 2 + m), 160, &results[m][w],
			              &modules[m]);
			row_results[m] = &results[m][w];
		}
		if (workload->raw != NULL) {
			char value[32];
			if (raw[w].done) {
				format_value(value, sizeof(value),
				             raw[w].value);
				snprintf(cell(&t, row, 2 + module_count), 160,
				         "%s: %s", workload->raw_name, value);
			} else {
				snprintf(cell(&t, row, 2 + module_count), 160,
				         "failed");
			}
		}
		ratios(cell(&t, row, 3 + module_count), 160, workload, modules,
		       module_count, row_results,
		       workload->raw != NULL ? &raw[w] : NULL);
		row++;
	}
	print_table(&t);
	print_sign_table(modules, module_count, results, raw, selected);

	/* The details behind the figures. */
	printf("\nnotes:\n");
	for (size_t w = 0; w < bench_workload_count; w++) {
		if (selected[w] && raw[w].note[0] != '\0')
			printf("  raw, %s: %s\n", bench_workloads[w].title,
			       raw[w].note);
	}
	for (size_t m = 0; m < module_count; m++) {
		for (size_t w = 0; w < bench_workload_count; w++)
			if (selected[w] && results[m][w].note[0] != '\0')
				printf("  %s, %s: %s\n", modules[m].name,
				       bench_workloads[w].title,
				       results[m][w].note);
		if (modules[m].failed)
			printf("  %s FAILED: %s\n", modules[m].name,
			       modules[m].error);
	}
	for (size_t m = 1; m < module_count; m++)
		if (modules[m].objects != modules[0].objects &&
		    needs_population)
			printf("  %s ran with N=%zu, %s with N=%zu: costs that "
			       "grow with N favour %s in the ratios.\n",
			       modules[m].name, modules[m].objects,
			       modules[0].name, modules[0].objects,
			       modules[m].objects < modules[0].objects
			               ? modules[m].name
			               : modules[0].name);
	printf("  Timings are measured, never checked: compare ratios "
	       "taken in one run.\n");

	if (options.keep)
		printf("  stores kept in %s\n", options.base);
	else
		nftw(options.base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	int status = modules[0].failed ? 1 : 0;
	for (size_t m = 0; m < module_count; m++) {
		free(results[m]);
		free(modules[m].ids);
	}
	free(t.cells);
	return status;
}
