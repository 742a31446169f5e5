/* p11bench: loading a PKCS#11 module by path and bringing it to "a RW
 * session, user logged in, on a fresh token", the same way for every
 * module, so that guardhsm and SoftHSM go through identical code. */
#include "config.h"

#include "p11bench_common.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- Utilities ------------------------------------------------------------
 */

double bench_now(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

void bench_random(void *buffer, size_t length)
{
	unsigned char *bytes = buffer;

	while (length > 0) {
		ssize_t got = getrandom(bytes, length, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			perror("p11bench: getrandom");
			exit(2);
		}
		bytes += got;
		length -= (size_t)got;
	}
}

/* xorshift64*: picking random objects must cost nothing next to a find. */
size_t bench_pick(size_t bound)
{
	static uint64_t state;

	if (state == 0) {
		while (state == 0)
			bench_random(&state, sizeof(state));
	}
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return (size_t)((state * 0x2545F4914F6CDD1DULL) % bound);
}

void bench_label(size_t index, char label[BENCH_LABEL_MAX], size_t *length)
{
	int written = snprintf(label, BENCH_LABEL_MAX, "p11bench object %08zu",
	                       index);
	*length = written > 0 ? (size_t)written : 0;
}

const char *bench_rv_name(CK_RV rv)
{
	static const struct {
		CK_RV rv;
		const char *name;
	} names[] = {
#define NAME(x) {x, #x}
	        NAME(CKR_OK),
	        NAME(CKR_HOST_MEMORY),
	        NAME(CKR_SLOT_ID_INVALID),
	        NAME(CKR_GENERAL_ERROR),
	        NAME(CKR_FUNCTION_FAILED),
	        NAME(CKR_ARGUMENTS_BAD),
	        NAME(CKR_CANT_LOCK),
	        NAME(CKR_ATTRIBUTE_READ_ONLY),
	        NAME(CKR_ATTRIBUTE_TYPE_INVALID),
	        NAME(CKR_ATTRIBUTE_VALUE_INVALID),
	        NAME(CKR_DEVICE_ERROR),
	        NAME(CKR_DEVICE_MEMORY),
	        NAME(CKR_FUNCTION_NOT_SUPPORTED),
	        NAME(CKR_OBJECT_HANDLE_INVALID),
	        NAME(CKR_OPERATION_ACTIVE),
	        NAME(CKR_OPERATION_NOT_INITIALIZED),
	        NAME(CKR_PIN_INCORRECT),
	        NAME(CKR_PIN_LEN_RANGE),
	        NAME(CKR_PIN_LOCKED),
	        NAME(CKR_SESSION_HANDLE_INVALID),
	        NAME(CKR_SESSION_READ_ONLY),
	        NAME(CKR_SESSION_EXISTS),
	        NAME(CKR_TEMPLATE_INCOMPLETE),
	        NAME(CKR_TEMPLATE_INCONSISTENT),
	        NAME(CKR_TOKEN_NOT_PRESENT),
	        NAME(CKR_TOKEN_NOT_RECOGNIZED),
	        NAME(CKR_USER_ALREADY_LOGGED_IN),
	        NAME(CKR_USER_NOT_LOGGED_IN),
	        NAME(CKR_USER_PIN_NOT_INITIALIZED),
	        NAME(CKR_USER_TYPE_INVALID),
	        NAME(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
	        NAME(CKR_BUFFER_TOO_SMALL),
	        NAME(CKR_CRYPTOKI_NOT_INITIALIZED),
	        NAME(CKR_CRYPTOKI_ALREADY_INITIALIZED),
#undef NAME
	};
	static char unknown[32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].rv == rv)
			return names[i].name;
	snprintf(unknown, sizeof(unknown), "CKR 0x%08lx", (unsigned long)rv);
	return unknown;
}

void bench_fail(bench_module *module, const char *format, ...)
{
	va_list arguments;

	/* The first failure is the one worth reporting; later ones are
	 * usually its consequences. */
	if (module->failed)
		return;
	module->failed = true;
	va_start(arguments, format);
	vsnprintf(module->error, sizeof(module->error), format, arguments);
	va_end(arguments);
	fprintf(stderr, "p11bench: %s: %s\n", module->name, module->error);
}

bool bench_check(bench_module *module, CK_RV rv, const char *what)
{
	if (rv == CKR_OK)
		return true;
	bench_fail(module, "%s: %s", what, bench_rv_name(rv));
	return false;
}

/* ---- A fresh store per module ---------------------------------------------
 */

static bool write_file(const char *path, const char *text)
{
	FILE *file = fopen(path, "w");

	if (file == NULL)
		return false;
	bool ok = fputs(text, file) >= 0;
	return fclose(file) == 0 && ok;
}

bool bench_module_prepare(bench_module *module, const bench_options *options,
                          size_t index)
{
	char store[PATH_MAX + 16];
	char text[2 * PATH_MAX];

	/* The base is short (mkdtemp in $TMPDIR): a path that does not fit
	 * is reported rather than silently cut. */
	int lengths[] = {
	        snprintf(module->directory, sizeof(module->directory),
	                 "%s/%zu-%s", options->base, index, module->name),
	        snprintf(store, sizeof(store), "%s/tokens", module->directory),
	        snprintf(module->guardhsm_conf, sizeof(module->guardhsm_conf),
	                 "%s/guardhsm.conf", module->directory),
	        snprintf(module->softhsm_conf, sizeof(module->softhsm_conf),
	                 "%s/softhsm2.conf", module->directory),
	};
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		if (lengths[i] < 0 || lengths[i] >= PATH_MAX) {
			bench_fail(module,
			           "the store path under %s is too "
			           "long",
			           options->base);
			return false;
		}
	}
	if (mkdir(module->directory, 0700) != 0 || mkdir(store, 0700) != 0) {
		bench_fail(module, "cannot create %s: %s", store,
		           strerror(errno));
		return false;
	}
	snprintf(text, sizeof(text),
	         "# p11bench: a fresh store for one run\n"
	         "store_path = %s\n"
	         "log_level = warning\n",
	         store);
	bool ok = write_file(module->guardhsm_conf, text);
	/* SoftHSM's file backend, as in the anchors; its database backend
	 * is not what Debian users get by default. */
	snprintf(text, sizeof(text),
	         "# p11bench: a fresh store for one run\n"
	         "directories.tokendir = %s\n"
	         "objectstore.backend = file\n"
	         "log.level = ERROR\n"
	         "slots.removable = false\n",
	         store);
	ok = ok && write_file(module->softhsm_conf, text);
	if (!ok)
		bench_fail(module, "cannot write the configs in %s",
		           module->directory);
	return ok;
}

void bench_module_environment(const bench_module *module)
{
	setenv("GUARDHSM_CONF", module->guardhsm_conf, 1);
	setenv("SOFTHSM2_CONF", module->softhsm_conf, 1);
}

bool bench_module_load(bench_module *module)
{
	if (module->functions != NULL)
		return true;
	/* RTLD_LOCAL: two modules in one process must not resolve each
	 * other's symbols (both export C_Initialize). */
	module->library = dlopen(module->path, RTLD_NOW | RTLD_LOCAL);
	if (module->library == NULL) {
		bench_fail(module, "dlopen: %s", dlerror());
		return false;
	}
	CK_C_GetFunctionList get_list = (CK_C_GetFunctionList)dlsym(
	        module->library, "C_GetFunctionList");
	if (get_list == NULL) {
		bench_fail(module, "%s exports no C_GetFunctionList",
		           module->path);
		return false;
	}
	CK_FUNCTION_LIST_PTR functions = NULL;
	if (!bench_check(module, get_list(&functions), "C_GetFunctionList"))
		return false;
	module->functions = functions;
	return true;
}

/* ---- Token, session, login --------------------------------------------------
 */

static bool label_is(const CK_UTF8CHAR label[32], const char *wanted)
{
	size_t length = strlen(wanted);

	if (memcmp(label, wanted, length) != 0)
		return false;
	for (size_t i = length; i < 32; i++)
		if (label[i] != ' ')
			return false;
	return true;
}

/* Finds the slot holding our token, or else one with an uninitialised
 * token. Slot ids are looked up afresh each time because SoftHSM renumbers
 * a slot when its token is initialised. */
static CK_RV locate_token(CK_FUNCTION_LIST_PTR functions, bool *found,
                          CK_SLOT_ID *slot, bool *has_empty, CK_SLOT_ID *empty)
{
	CK_ULONG count = 0;
	CK_SLOT_ID *slots = NULL;
	CK_RV rv;

	*found = false;
	*has_empty = false;
	rv = functions->C_GetSlotList(CK_TRUE, NULL, &count);
	if (rv == CKR_OK) {
		slots = calloc(count + 1, sizeof(*slots));
		if (slots == NULL)
			return CKR_HOST_MEMORY;
		rv = functions->C_GetSlotList(CK_TRUE, slots, &count);
	}
	for (CK_ULONG i = 0; rv == CKR_OK && i < count && !*found; i++) {
		CK_TOKEN_INFO info;
		CK_RV info_rv = functions->C_GetTokenInfo(slots[i], &info);

		if (info_rv != CKR_OK)
			continue; /* say, an unreadable token: not ours */
		if (!(info.flags & CKF_TOKEN_INITIALIZED)) {
			if (!*has_empty) {
				*has_empty = true;
				*empty = slots[i];
			}
		} else if (label_is(info.label, BENCH_TOKEN_LABEL)) {
			*found = true;
			*slot = slots[i];
		}
	}
	free(slots);
	return rv;
}

static CK_RV initialise(CK_FUNCTION_LIST_PTR functions)
{
	CK_C_INITIALIZE_ARGS arguments;

	memset(&arguments, 0, sizeof(arguments));
	arguments.flags = CKF_OS_LOCKING_OK;
	return functions->C_Initialize(&arguments);
}

/* A new token with both PINs set, as an administrator would prepare it. */
static bool create_token(bench_module *module, CK_SLOT_ID empty)
{
	CK_FUNCTION_LIST_PTR f = module->functions;
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE session;
	bool found = false, has_empty = false;
	CK_SLOT_ID unused;

	memset(label, ' ', sizeof(label));
	memcpy(label, BENCH_TOKEN_LABEL, strlen(BENCH_TOKEN_LABEL));
	if (!bench_check(module,
	                 f->C_InitToken(empty, (CK_UTF8CHAR_PTR)BENCH_SO_PIN,
	                                strlen(BENCH_SO_PIN), label),
	                 "C_InitToken"))
		return false;
	if (!bench_check(
	            module,
	            locate_token(f, &found, &module->slot, &has_empty, &unused),
	            "C_GetSlotList"))
		return false;
	if (!found) {
		bench_fail(module, "the token initialised by C_InitToken is "
		                   "not in the slot list");
		return false;
	}
	if (!bench_check(module,
	                 f->C_OpenSession(module->slot,
	                                  CKF_SERIAL_SESSION | CKF_RW_SESSION,
	                                  NULL, NULL, &session),
	                 "C_OpenSession (SO)"))
		return false;
	bool ok = bench_check(module,
	                      f->C_Login(session, CKU_SO,
	                                 (CK_UTF8CHAR_PTR)BENCH_SO_PIN,
	                                 strlen(BENCH_SO_PIN)),
	                      "C_Login (SO)") &&
	          bench_check(module,
	                      f->C_InitPIN(session,
	                                   (CK_UTF8CHAR_PTR)BENCH_USER_PIN,
	                                   strlen(BENCH_USER_PIN)),
	                      "C_InitPIN") &&
	          bench_check(module, f->C_Logout(session), "C_Logout (SO)");
	CK_RV rv = f->C_CloseSession(session);
	return ok && bench_check(module, rv, "C_CloseSession (SO)");
}

bool bench_module_open(bench_module *module)
{
	bool found = false, has_empty = false;
	CK_SLOT_ID empty = 0;

	if (module->failed)
		return false;
	if (module->open)
		return true;
	if (!bench_module_load(module))
		return false;
	CK_FUNCTION_LIST_PTR f = module->functions;
	bench_module_environment(module);
	if (!module->initialised) {
		if (!bench_check(module, initialise(f), "C_Initialize"))
			return false;
		module->initialised = true;
	}
	if (!bench_check(
	            module,
	            locate_token(f, &found, &module->slot, &has_empty, &empty),
	            "C_GetSlotList"))
		return false;
	if (!found && !has_empty) {
		bench_fail(module, "no slot with an uninitialised token");
		return false;
	}
	if (!found && !create_token(module, empty))
		return false;
	if (!bench_check(module,
	                 f->C_OpenSession(module->slot,
	                                  CKF_SERIAL_SESSION | CKF_RW_SESSION,
	                                  NULL, NULL, &module->session),
	                 "C_OpenSession"))
		return false;
	if (!bench_check(module,
	                 f->C_Login(module->session, CKU_USER,
	                            (CK_UTF8CHAR_PTR)BENCH_USER_PIN,
	                            strlen(BENCH_USER_PIN)),
	                 "C_Login (user)"))
		return false;
	module->open = true;
	return true;
}

CK_RV bench_module_finalize(bench_module *module)
{
	CK_RV rv = CKR_OK;

	if (module->initialised)
		rv = module->functions->C_Finalize(NULL);
	module->initialised = false;
	module->open = false;
	return rv;
}

bool bench_module_remember(bench_module *module,
                           const unsigned char id[BENCH_ID_BYTES])
{
	if (module->count == module->capacity) {
		size_t grown = module->capacity ? module->capacity * 2 : 1024;
		void *ids = realloc(module->ids, grown * BENCH_ID_BYTES);
		if (ids == NULL) {
			bench_fail(module, "out of memory");
			return false;
		}
		module->ids = ids;
		module->capacity = grown;
	}
	memcpy(module->ids[module->count++], id, BENCH_ID_BYTES);
	return true;
}

bool bench_module_create_object(bench_module *module, size_t index)
{
	/* A generic secret key rather than a data object: CKA_ID, which the
	 * find workloads search by, belongs to keys and certificates only,
	 * and guardhsm (rightly) refuses it on CKO_DATA. CKA_SENSITIVE is
	 * given so both modules treat the value as key material. */
	CK_OBJECT_CLASS object_class = CKO_SECRET_KEY;
	CK_KEY_TYPE key_type = CKK_GENERIC_SECRET;
	CK_BBOOL yes = CK_TRUE;
	unsigned char id[BENCH_ID_BYTES];
	unsigned char value[BENCH_VALUE_BYTES];
	char label[BENCH_LABEL_MAX];
	size_t label_length;
	CK_OBJECT_HANDLE handle;

	bench_random(id, sizeof(id));
	bench_random(value, sizeof(value));
	bench_label(index, label, &label_length);
	CK_ATTRIBUTE template[] = {
	        {CKA_CLASS, &object_class, sizeof(object_class)},
	        {CKA_KEY_TYPE, &key_type, sizeof(key_type)},
	        {CKA_TOKEN, &yes, sizeof(yes)},
	        {CKA_PRIVATE, &yes, sizeof(yes)},
	        {CKA_SENSITIVE, &yes, sizeof(yes)},
	        {CKA_ID, id, sizeof(id)},
	        {CKA_LABEL, label, label_length},
	        {CKA_VALUE, value, sizeof(value)},
	};
	CK_RV rv = module->functions->C_CreateObject(
	        module->session, template,
	        sizeof(template) / sizeof(template[0]), &handle);
	return bench_check(module, rv, "C_CreateObject") &&
	       bench_module_remember(module, id);
}

/* ---- Cold login in a new process --------------------------------------------
 */

bool bench_module_cold_login(bench_module *module, double *total,
                             char *breakdown, size_t breakdown_size)
{
	int pipe_ends[2];
	char output[512];
	size_t used = 0;

	bench_module_environment(module);
	if (pipe(pipe_ends) != 0) {
		bench_fail(module, "pipe: %s", strerror(errno));
		return false;
	}
	fflush(NULL); /* or the child would print our buffered output again */
	pid_t child = fork();
	if (child < 0) {
		bench_fail(module, "fork: %s", strerror(errno));
		close(pipe_ends[0]);
		close(pipe_ends[1]);
		return false;
	}
	if (child == 0) {
		/* exec, not just fork: a cold start is a process that never
		 * had the module mapped, as when a client starts. */
		dup2(pipe_ends[1], STDOUT_FILENO);
		close(pipe_ends[0]);
		close(pipe_ends[1]);
		execl("/proc/self/exe", "p11bench", "--login-child",
		      module->path, (char *)NULL);
		perror("p11bench: exec /proc/self/exe");
		_exit(127);
	}
	close(pipe_ends[1]);
	for (;;) {
		ssize_t got = read(pipe_ends[0], output + used,
		                   sizeof(output) - 1 - used);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		used += (size_t)got;
		if (used == sizeof(output) - 1)
			break;
	}
	output[used] = '\0';
	close(pipe_ends[0]);
	int status = 0;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	double load, initialise_time, open_time, login_time;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    sscanf(output, "%lf %lf %lf %lf", &load, &initialise_time,
	           &open_time, &login_time) != 4) {
		bench_fail(module, "the cold-login child failed (status %d)",
		           status);
		return false;
	}
	*total = load + initialise_time + open_time + login_time;
	snprintf(breakdown, breakdown_size,
	         "dlopen %.3f s, C_Initialize %.3f s, "
	         "C_GetSlotList+C_OpenSession %.3f s, C_Login %.3f s",
	         load, initialise_time, open_time, login_time);
	return true;
}

int bench_login_child(const char *path)
{
	bench_module module;
	bool found = false, has_empty = false;
	CK_SLOT_ID empty;

	memset(&module, 0, sizeof(module));
	snprintf(module.name, sizeof(module.name), "login child");
	snprintf(module.path, sizeof(module.path), "%s", path);
	double start = bench_now();
	if (!bench_module_load(&module))
		return 1;
	double loaded = bench_now();
	CK_FUNCTION_LIST_PTR f = module.functions;
	if (!bench_check(&module, initialise(f), "C_Initialize"))
		return 1;
	double initialised = bench_now();
	if (!bench_check(
	            &module,
	            locate_token(f, &found, &module.slot, &has_empty, &empty),
	            "C_GetSlotList"))
		return 1;
	if (!found) {
		bench_fail(&module, "the benchmark token is not there");
		return 1;
	}
	if (!bench_check(&module,
	                 f->C_OpenSession(module.slot,
	                                  CKF_SERIAL_SESSION | CKF_RW_SESSION,
	                                  NULL, NULL, &module.session),
	                 "C_OpenSession"))
		return 1;
	double opened = bench_now();
	if (!bench_check(&module,
	                 f->C_Login(module.session, CKU_USER,
	                            (CK_UTF8CHAR_PTR)BENCH_USER_PIN,
	                            strlen(BENCH_USER_PIN)),
	                 "C_Login (user)"))
		return 1;
	double logged_in = bench_now();
	printf("%.9f %.9f %.9f %.9f\n", loaded - start, initialised - loaded,
	       opened - initialised, logged_in - opened);
	fflush(stdout);
	f->C_Finalize(NULL);
	return 0;
}
