/* The integration tests' harness: see p11_harness.h. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef GUARDHSM_MODULE_PATH
#define GUARDHSM_MODULE_PATH "src/pkcs11/.libs/guardhsm.so"
#endif

CK_FUNCTION_LIST_PTR p11;
CK_FUNCTION_LIST_3_0_PTR p11v3;
CK_C_GetFunctionList h_get_function_list;
h_get_interface_fn h_get_interface;
h_get_interface_list_fn h_get_interface_list;
h_env H;
CK_BBOOL h_true = CK_TRUE, h_false = CK_FALSE;

static void *module_handle;
static char template_dir[512]; /* the prepared token store, or "" */

/* ---- Return value names ------------------------------------------------ */

#define RV(name)                                                               \
	{                                                                      \
		name, #name                                                    \
	}
static const struct {
	CK_RV rv;
	const char *name;
} rv_names[] = {
        RV(CKR_OK),
        RV(CKR_CANCEL),
        RV(CKR_HOST_MEMORY),
        RV(CKR_SLOT_ID_INVALID),
        RV(CKR_GENERAL_ERROR),
        RV(CKR_FUNCTION_FAILED),
        RV(CKR_ARGUMENTS_BAD),
        RV(CKR_NO_EVENT),
        RV(CKR_NEED_TO_CREATE_THREADS),
        RV(CKR_CANT_LOCK),
        RV(CKR_ATTRIBUTE_READ_ONLY),
        RV(CKR_ATTRIBUTE_SENSITIVE),
        RV(CKR_ATTRIBUTE_TYPE_INVALID),
        RV(CKR_ATTRIBUTE_VALUE_INVALID),
        RV(CKR_ACTION_PROHIBITED),
        RV(CKR_DATA_INVALID),
        RV(CKR_DATA_LEN_RANGE),
        RV(CKR_DEVICE_ERROR),
        RV(CKR_DEVICE_MEMORY),
        RV(CKR_DEVICE_REMOVED),
        RV(CKR_ENCRYPTED_DATA_INVALID),
        RV(CKR_FUNCTION_CANCELED),
        RV(CKR_FUNCTION_NOT_PARALLEL),
        RV(CKR_FUNCTION_NOT_SUPPORTED),
        RV(CKR_KEY_HANDLE_INVALID),
        RV(CKR_KEY_SIZE_RANGE),
        RV(CKR_KEY_TYPE_INCONSISTENT),
        RV(CKR_MECHANISM_INVALID),
        RV(CKR_MECHANISM_PARAM_INVALID),
        RV(CKR_OBJECT_HANDLE_INVALID),
        RV(CKR_OPERATION_ACTIVE),
        RV(CKR_OPERATION_NOT_INITIALIZED),
        RV(CKR_PIN_INCORRECT),
        RV(CKR_PIN_INVALID),
        RV(CKR_PIN_LEN_RANGE),
        RV(CKR_PIN_EXPIRED),
        RV(CKR_PIN_LOCKED),
        RV(CKR_SESSION_CLOSED),
        RV(CKR_SESSION_COUNT),
        RV(CKR_SESSION_HANDLE_INVALID),
        RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
        RV(CKR_SESSION_READ_ONLY),
        RV(CKR_SESSION_EXISTS),
        RV(CKR_SESSION_READ_ONLY_EXISTS),
        RV(CKR_SESSION_READ_WRITE_SO_EXISTS),
        RV(CKR_TEMPLATE_INCOMPLETE),
        RV(CKR_TEMPLATE_INCONSISTENT),
        RV(CKR_TOKEN_NOT_PRESENT),
        RV(CKR_TOKEN_NOT_RECOGNIZED),
        RV(CKR_TOKEN_WRITE_PROTECTED),
        RV(CKR_USER_ALREADY_LOGGED_IN),
        RV(CKR_USER_NOT_LOGGED_IN),
        RV(CKR_USER_PIN_NOT_INITIALIZED),
        RV(CKR_USER_TYPE_INVALID),
        RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
        RV(CKR_USER_TOO_MANY_TYPES),
        RV(CKR_RANDOM_SEED_NOT_SUPPORTED),
        RV(CKR_RANDOM_NO_RNG),
        RV(CKR_BUFFER_TOO_SMALL),
        RV(CKR_SAVED_STATE_INVALID),
        RV(CKR_STATE_UNSAVEABLE),
        RV(CKR_CRYPTOKI_NOT_INITIALIZED),
        RV(CKR_CRYPTOKI_ALREADY_INITIALIZED),
        RV(CKR_MUTEX_BAD),
        RV(CKR_MUTEX_NOT_LOCKED),
        RV(CKR_FUNCTION_REJECTED),
        RV(CKR_OPERATION_CANCEL_FAILED),
};

const char *h_rv_name(CK_RV rv)
{
	static _Thread_local char unknown[32];
	for (size_t i = 0; i < H_ARRAY_SIZE(rv_names); i++)
		if (rv_names[i].rv == rv)
			return rv_names[i].name;
	snprintf(unknown, sizeof(unknown), "0x%08lx", (unsigned long)rv);
	return unknown;
}

/* ---- Children ---------------------------------------------------------- */

void h_child_fail(const char *file, int line, const char *what,
                  const char *format, ...)
{
	char message[512];
	va_list args;
	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);
	fprintf(stderr, "child %ld: %s:%d: check failed: %s: %s\n",
	        (long)getpid(), file, line, what, message);
	fflush(stderr);
	_exit(1);
}

void h_wait_child_ok(int pid)
{
	int status = 0;
	pid_t got;
	do
		got = waitpid((pid_t)pid, &status, 0);
	while (got < 0 && errno == EINTR);
	assert_int_equal(got, pid);
	if (WIFSIGNALED(status))
		fail_msg("child %d died of signal %d", pid, WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child %d exited with status %d (see its message "
		         "above)",
		         pid, WEXITSTATUS(status));
}

char *h_read_fd(int fd)
{
	size_t capacity = 4096, used = 0;
	char *data = malloc(capacity + 1);
	for (;;) {
		if (data == NULL)
			return NULL;
		if (used == capacity) {
			capacity *= 2;
			char *grown = realloc(data, capacity + 1);
			if (grown == NULL)
				free(data);
			data = grown;
			continue;
		}
		ssize_t n = read(fd, data + used, capacity - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	data[used] = '\0';
	return data;
}

void h_write_line(int fd, const char *line)
{
	char buffer[512];
	int length = snprintf(buffer, sizeof(buffer), "%s\n", line);
	CHILD_CHECK(length > 0 && (size_t)length < sizeof(buffer),
	            "line too long");
	size_t done = 0;
	while (done < (size_t)length) {
		ssize_t n = write(fd, buffer + done, (size_t)length - done);
		if (n < 0 && errno == EINTR)
			continue;
		CHILD_CHECK(n > 0, "write: %s", strerror(errno));
		done += (size_t)n;
	}
}

const char *h_hex(const void *bytes, size_t length)
{
	static _Thread_local char text[513];
	const unsigned char *b = bytes;
	if (length > 256)
		length = 256;
	for (size_t i = 0; i < length; i++)
		snprintf(text + 2 * i, 3, "%02x", b[i]);
	text[2 * length] = '\0';
	return text;
}

/* ---- The module ------------------------------------------------------- */

void h_load_module(void)
{
	if (module_handle != NULL)
		return;
	const char *path = getenv("GUARDHSM_MODULE");
	if (path == NULL || path[0] == '\0')
		path = GUARDHSM_MODULE_PATH;
	module_handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (module_handle == NULL) {
		fprintf(stderr, "cannot load the module %s: %s\n", path,
		        dlerror());
		exit(1);
	}
	h_get_function_list =
	        (CK_C_GetFunctionList)dlsym(module_handle, "C_GetFunctionList");
	h_get_interface =
	        (h_get_interface_fn)dlsym(module_handle, "C_GetInterface");
	h_get_interface_list = (h_get_interface_list_fn)dlsym(
	        module_handle, "C_GetInterfaceList");
	if (h_get_function_list == NULL || h_get_interface == NULL ||
	    h_get_interface_list == NULL) {
		fprintf(stderr,
		        "%s lacks C_GetFunctionList, C_GetInterface or "
		        "C_GetInterfaceList\n",
		        path);
		exit(1);
	}
	if (h_get_function_list(&p11) != CKR_OK || p11 == NULL) {
		fprintf(stderr, "C_GetFunctionList failed\n");
		exit(1);
	}
	CK_VERSION version = {3, 0};
	CK_INTERFACE_PTR interface = NULL;
	if (h_get_interface((CK_UTF8CHAR_PTR) "PKCS 11", &version, &interface,
	                    0) != CKR_OK ||
	    interface == NULL || interface->pFunctionList == NULL) {
		fprintf(stderr, "C_GetInterface(\"PKCS 11\", 3.0) failed\n");
		exit(1);
	}
	p11v3 = interface->pFunctionList;
}

/* ---- Directories ------------------------------------------------------ */

static void write_file(const char *path, const char *text)
{
	FILE *file = fopen(path, "w");
	if (file == NULL)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	fputs(text, file);
	fclose(file);
}

void h_env_write_config(const char *extra_config)
{
	char text[4096];
	snprintf(text, sizeof(text),
	         "# written by the guardhsm integration tests\n"
	         "store_path = %s\n"
	         "pin_tries = %d\n"
	         "log_file = %s\n"
	         "log_level = info\n"
	         "%s\n",
	         H.store, H_PIN_TRIES, H.log, extra_config ? extra_config : "");
	write_file(H.conf, text);
	setenv("GUARDHSM_CONF", H.conf, 1);
}

void h_env_create(const char *extra_config)
{
	memset(&H, 0, sizeof(H));
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	snprintf(H.dir, sizeof(H.dir), "%s/guardhsm-it-XXXXXX", tmp);
	if (mkdtemp(H.dir) == NULL)
		fail_msg("mkdtemp %s: %s", H.dir, strerror(errno));
	snprintf(H.store, sizeof(H.store), "%s/store", H.dir);
	snprintf(H.conf, sizeof(H.conf), "%s/guardhsm.conf", H.dir);
	snprintf(H.log, sizeof(H.log), "%s/guardhsm.log", H.dir);
	h_env_write_config(extra_config);
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
                        struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_tree(const char *path)
{
	if (path[0] != '\0')
		nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void h_env_remove(void)
{
	const char *keep = getenv("GUARDHSM_TEST_KEEP");
	if (keep != NULL && keep[0] != '\0')
		fprintf(stderr, "kept %s\n", H.dir);
	else
		remove_tree(H.dir);
	unsetenv("GUARDHSM_CONF");
	H.dir[0] = '\0';
}

static void copy_file(const char *from, const char *to)
{
	size_t length;
	char *data = h_read_file(from, &length);
	assert_non_null(data);
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, length), (ssize_t)length);
	close(fd);
	free(data);
}

static void copy_directory(const char *from, const char *to)
{
	assert_int_equal(mkdir(to, 0700), 0);
	DIR *dir = opendir(from);
	assert_non_null(dir);
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] == '.')
			continue;
		char a[1400], b[1400];
		snprintf(a, sizeof(a), "%s/%s", from, entry->d_name);
		snprintf(b, sizeof(b), "%s/%s", to, entry->d_name);
		struct stat st;
		if (stat(a, &st) == 0 && S_ISREG(st.st_mode))
			copy_file(a, b);
	}
	closedir(dir);
}

/* ---- Fixtures ------------------------------------------------------- */

int h_group_setup(void **state)
{
	(void)state;
	h_load_module();
	return 0;
}

int h_group_setup_template(void **state)
{
	(void)state;
	h_load_module();
	h_env_create(NULL);
	if (p11->C_Initialize(NULL) != CKR_OK) {
		fprintf(stderr, "C_Initialize failed preparing the template\n");
		return -1;
	}
	CK_SLOT_ID slot = h_uninitialised_slot();
	CK_RV rv = h_init_token(slot, H_SO_PIN, H_TOKEN_LABEL);
	if (rv != CKR_OK) {
		fprintf(stderr, "C_InitToken: %s\n", h_rv_name(rv));
		return -1;
	}
	h_init_user_pin(slot, H_SO_PIN, H_USER_PIN);
	if (p11->C_Finalize(NULL) != CKR_OK)
		return -1;
	snprintf(template_dir, sizeof(template_dir), "%s", H.dir);
	unsetenv("GUARDHSM_CONF");
	return 0;
}

int h_group_teardown(void **state)
{
	(void)state;
	remove_tree(template_dir);
	template_dir[0] = '\0';
	return 0;
}

int h_setup_none(void **state)
{
	(void)state;
	h_env_create(NULL);
	return 0;
}

int h_setup_empty(void **state)
{
	h_setup_none(state);
	CK_RV rv = p11->C_Initialize(NULL);
	if (rv != CKR_OK) {
		fprintf(stderr, "C_Initialize: %s\n", h_rv_name(rv));
		return -1;
	}
	return 0;
}

int h_setup_token(void **state)
{
	(void)state;
	if (template_dir[0] == '\0') {
		fprintf(stderr, "h_setup_token needs h_group_setup_template\n");
		return -1;
	}
	h_env_create(NULL);
	char from[1024];
	snprintf(from, sizeof(from), "%s/store", template_dir);
	copy_directory(from, H.store);
	CK_RV rv = p11->C_Initialize(NULL);
	if (rv != CKR_OK) {
		fprintf(stderr, "C_Initialize: %s\n", h_rv_name(rv));
		return -1;
	}
	H.slot = h_initialised_slot();
	return 0;
}

int h_teardown(void **state)
{
	(void)state;
	p11->C_Finalize(NULL);
	h_env_remove();
	return 0;
}

/* ---- Slots and tokens ------------------------------------------------ */

CK_ULONG h_slot_count(void)
{
	CK_ULONG count = 0;
	assert_ok(p11->C_GetSlotList(CK_FALSE, NULL, &count));
	return count;
}

static CK_SLOT_ID find_slot(bool initialised)
{
	CK_SLOT_ID slots[64];
	CK_ULONG count = 0;
	assert_ok(p11->C_GetSlotList(CK_TRUE, NULL, &count));
	assert_true(count <= H_ARRAY_SIZE(slots));
	assert_ok(p11->C_GetSlotList(CK_TRUE, slots, &count));
	for (CK_ULONG i = 0; i < count; i++) {
		CK_TOKEN_INFO info;
		if (p11->C_GetTokenInfo(slots[i], &info) != CKR_OK)
			continue;
		if (((info.flags & CKF_TOKEN_INITIALIZED) != 0) == initialised)
			return slots[i];
	}
	fail_msg("no slot with an %sinitialised token",
	         initialised ? "" : "un");
	return 0;
}

CK_SLOT_ID h_uninitialised_slot(void)
{
	return find_slot(false);
}

CK_SLOT_ID h_initialised_slot(void)
{
	return find_slot(true);
}

CK_RV h_init_token(CK_SLOT_ID slot, const char *so_pin, const char *label)
{
	CK_UTF8CHAR padded[32];
	memset(padded, ' ', sizeof(padded));
	memcpy(padded, label, strlen(label) < 32 ? strlen(label) : 32);
	return p11->C_InitToken(slot, (CK_UTF8CHAR_PTR)so_pin, strlen(so_pin),
	                        padded);
}

void h_init_user_pin(CK_SLOT_ID slot, const char *so_pin, const char *pin)
{
	CK_SESSION_HANDLE session = h_open(slot, true);
	assert_ok(h_login(session, CKU_SO, so_pin));
	assert_ok(p11->C_InitPIN(session, (CK_UTF8CHAR_PTR)pin, strlen(pin)));
	assert_ok(p11->C_Logout(session));
	assert_ok(p11->C_CloseSession(session));
}

CK_SLOT_ID h_new_token(const char *label)
{
	CK_SLOT_ID slot = h_uninitialised_slot();
	assert_ok(h_init_token(slot, H_SO_PIN, label));
	h_init_user_pin(slot, H_SO_PIN, H_USER_PIN);
	return slot;
}

CK_TOKEN_INFO h_token_info(CK_SLOT_ID slot)
{
	CK_TOKEN_INFO info;
	memset(&info, 0, sizeof(info));
	assert_ok(p11->C_GetTokenInfo(slot, &info));
	return info;
}

CK_FLAGS h_token_flags(CK_SLOT_ID slot)
{
	return h_token_info(slot).flags;
}

/* ---- Sessions ---------------------------------------------------------- */

CK_SESSION_HANDLE h_child_session(CK_SLOT_ID slot, bool login)
{
	CHILD_RV(p11->C_Initialize(NULL), CKR_OK);
	CK_SESSION_HANDLE session;
	CHILD_RV(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
	                            NULL, NULL, &session),
	         CKR_OK);
	if (login)
		CHILD_RV(h_login(session, CKU_USER, H_USER_PIN), CKR_OK);
	return session;
}

CK_SESSION_HANDLE h_open(CK_SLOT_ID slot, bool rw)
{
	CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
	CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
	assert_ok(p11->C_OpenSession(slot, flags, NULL, NULL, &session));
	assert_true(session != CK_INVALID_HANDLE);
	return session;
}

CK_RV h_login(CK_SESSION_HANDLE session, CK_USER_TYPE user, const char *pin)
{
	return p11->C_Login(session, user, (CK_UTF8CHAR_PTR)pin, strlen(pin));
}

CK_STATE h_session_state(CK_SESSION_HANDLE session)
{
	CK_SESSION_INFO info;
	assert_ok(p11->C_GetSessionInfo(session, &info));
	return info.state;
}

/* ---- Objects ------------------------------------------------------------ */

CK_RV h_create_data_rv(CK_SESSION_HANDLE session, bool token, bool private_,
                       const char *label, const char *value,
                       CK_OBJECT_HANDLE *object)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL is_token = token ? CK_TRUE : CK_FALSE;
	CK_BBOOL is_private = private_ ? CK_TRUE : CK_FALSE;
	static const char application[] = "guardhsm-tests";
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_TOKEN, is_token),
	        H_ATTR_VAR(CKA_PRIVATE, is_private),
	        H_ATTR_STR(CKA_LABEL, label),
	        H_ATTR_STR(CKA_APPLICATION, application),
	        H_ATTR_STR(CKA_VALUE, value),
	};
	return p11->C_CreateObject(session, template, H_ARRAY_SIZE(template),
	                           object);
}

CK_OBJECT_HANDLE h_create_data(CK_SESSION_HANDLE session, bool token,
                               bool private_, const char *label,
                               const char *value)
{
	CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
	assert_ok(h_create_data_rv(session, token, private_, label, value,
	                           &object));
	assert_true(object != CK_INVALID_HANDLE);
	return object;
}

CK_RV h_create_aes_rv(CK_SESSION_HANDLE session, bool token, bool private_,
                      bool sensitive, bool extractable, const char *label,
                      CK_OBJECT_HANDLE *object)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_AES;
	CK_BBOOL is_token = token ? CK_TRUE : CK_FALSE;
	CK_BBOOL is_private = private_ ? CK_TRUE : CK_FALSE;
	CK_BBOOL is_sensitive = sensitive ? CK_TRUE : CK_FALSE;
	CK_BBOOL is_extractable = extractable ? CK_TRUE : CK_FALSE;
	static const unsigned char id[] = {0xae, 0x50};
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR_VAR(CKA_TOKEN, is_token),
	        H_ATTR_VAR(CKA_PRIVATE, is_private),
	        H_ATTR_VAR(CKA_SENSITIVE, is_sensitive),
	        H_ATTR_VAR(CKA_EXTRACTABLE, is_extractable),
	        H_ATTR_STR(CKA_LABEL, label),
	        H_ATTR(CKA_ID, id, sizeof(id)),
	        H_ATTR(CKA_VALUE, h_aes_key, 32),
	};
	return p11->C_CreateObject(session, template, H_ARRAY_SIZE(template),
	                           object);
}

CK_RV h_create_cert_rv(CK_SESSION_HANDLE session, bool token, const char *label,
                       CK_OBJECT_HANDLE *object)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE type = CKC_X_509;
	CK_BBOOL is_token = token ? CK_TRUE : CK_FALSE;
	static const unsigned char id[] = {0xce, 0x27};
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_CERTIFICATE_TYPE, type),
	        H_ATTR_VAR(CKA_TOKEN, is_token),
	        H_ATTR_VAR(CKA_PRIVATE, h_false),
	        H_ATTR_STR(CKA_LABEL, label),
	        H_ATTR(CKA_ID, id, sizeof(id)),
	        H_ATTR(CKA_SUBJECT, h_cert_subject, h_cert_subject_length),
	        H_ATTR(CKA_ISSUER, h_cert_issuer, h_cert_issuer_length),
	        H_ATTR(CKA_SERIAL_NUMBER, h_cert_serial, h_cert_serial_length),
	        H_ATTR(CKA_VALUE, h_cert_der, h_cert_der_length),
	};
	return p11->C_CreateObject(session, template, H_ARRAY_SIZE(template),
	                           object);
}

CK_ULONG h_get_ulong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                     CK_ATTRIBUTE_TYPE type)
{
	CK_ULONG value = 0;
	CK_ATTRIBUTE attribute = H_ATTR_VAR(type, value);
	assert_ok(p11->C_GetAttributeValue(s, o, &attribute, 1));
	assert_int_equal(attribute.ulValueLen, sizeof(CK_ULONG));
	return value;
}

CK_BBOOL h_get_bool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                    CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL value = 0xff;
	CK_ATTRIBUTE attribute = H_ATTR_VAR(type, value);
	assert_ok(p11->C_GetAttributeValue(s, o, &attribute, 1));
	assert_int_equal(attribute.ulValueLen, sizeof(CK_BBOOL));
	assert_true(value == CK_TRUE || value == CK_FALSE);
	return value;
}

CK_ULONG h_get_bytes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                     CK_ATTRIBUTE_TYPE type, void *buffer, CK_ULONG size)
{
	CK_ATTRIBUTE attribute = H_ATTR(type, NULL, 0);
	assert_ok(p11->C_GetAttributeValue(s, o, &attribute, 1));
	CK_ULONG length = attribute.ulValueLen;
	if (length > size)
		return length;
	attribute.pValue = buffer;
	assert_ok(p11->C_GetAttributeValue(s, o, &attribute, 1));
	assert_int_equal(attribute.ulValueLen, length);
	return length;
}

const char *h_get_label(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	static char label[256];
	CK_ULONG length =
	        h_get_bytes(s, o, CKA_LABEL, label, sizeof(label) - 1);
	assert_true(length < sizeof(label));
	label[length] = '\0';
	return label;
}

CK_ULONG h_find(CK_SESSION_HANDLE session, CK_ATTRIBUTE *template,
                CK_ULONG count, CK_OBJECT_HANDLE *found, CK_ULONG max)
{
	assert_ok(p11->C_FindObjectsInit(session, template, count));
	CK_ULONG total = 0;
	for (;;) {
		CK_OBJECT_HANDLE batch[7];
		CK_ULONG n = 0;
		assert_ok(p11->C_FindObjects(session, batch,
		                             H_ARRAY_SIZE(batch), &n));
		assert_true(n <= H_ARRAY_SIZE(batch));
		if (n == 0)
			break;
		for (CK_ULONG i = 0; i < n; i++, total++)
			if (total < max)
				found[total] = batch[i];
	}
	assert_ok(p11->C_FindObjectsFinal(session));
	return total;
}

CK_ULONG h_find_label(CK_SESSION_HANDLE session, const char *label,
                      CK_OBJECT_HANDLE *found, CK_ULONG max)
{
	CK_ATTRIBUTE template[] = {H_ATTR_STR(CKA_LABEL, label)};
	return h_find(session, template, 1, found, max);
}

/* ---- Files --------------------------------------------------------------- */

char *h_read_file(const char *path, size_t *length)
{
	FILE *file = fopen(path, "rb");
	if (file == NULL)
		return NULL;
	size_t capacity = 4096, used = 0;
	char *data = malloc(capacity + 1);
	size_t n;
	while (data != NULL &&
	       (n = fread(data + used, 1, capacity - used, file)) > 0) {
		used += n;
		if (used == capacity) {
			capacity *= 2;
			char *grown = realloc(data, capacity + 1);
			if (grown == NULL)
				free(data);
			data = grown;
		}
	}
	fclose(file);
	if (data == NULL)
		return NULL;
	data[used] = '\0';
	if (length != NULL)
		*length = used;
	return data;
}

bool h_log_contains(const char *needle)
{
	char *log = h_read_file(H.log, NULL);
	bool found = log != NULL && strstr(log, needle) != NULL;
	free(log);
	return found;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t h_token_files(char **paths, size_t max)
{
	DIR *dir = opendir(H.store);
	if (dir == NULL)
		return 0;
	size_t n = 0;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL && n < max) {
		size_t length = strlen(entry->d_name);
		if (strncmp(entry->d_name, "token-", 6) != 0 || length < 7 ||
		    strcmp(entry->d_name + length - 7, ".sqlite") != 0)
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", H.store, entry->d_name);
		paths[n++] = strdup(path);
	}
	closedir(dir);
	qsort(paths, n, sizeof(*paths), compare_strings);
	return n;
}
