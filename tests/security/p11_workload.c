#include "config.h"

#include "p11_workload.h"

#include "known_rsa.h"

#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const unsigned char oid_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const unsigned char oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                         0xce, 0x3d, 0x03, 0x01, 0x07};
static const unsigned char aes_iv[16] = "memscan iv 0123";

const char *wl_rv_name(CK_RV rv)
{
	static char text[32];
	switch (rv) {
#define RV(x)                                                                  \
	case x:                                                                \
		return #x
		RV(CKR_OK);
		RV(CKR_GENERAL_ERROR);
		RV(CKR_FUNCTION_FAILED);
		RV(CKR_ARGUMENTS_BAD);
		RV(CKR_ATTRIBUTE_VALUE_INVALID);
		RV(CKR_ATTRIBUTE_TYPE_INVALID);
		RV(CKR_TEMPLATE_INCONSISTENT);
		RV(CKR_TEMPLATE_INCOMPLETE);
		RV(CKR_MECHANISM_INVALID);
		RV(CKR_MECHANISM_PARAM_INVALID);
		RV(CKR_KEY_TYPE_INCONSISTENT);
		RV(CKR_KEY_FUNCTION_NOT_PERMITTED);
		RV(CKR_FUNCTION_NOT_SUPPORTED);
		RV(CKR_OPERATION_ACTIVE);
		RV(CKR_OPERATION_NOT_INITIALIZED);
		RV(CKR_USER_NOT_LOGGED_IN);
		RV(CKR_PIN_INCORRECT);
		RV(CKR_DEVICE_ERROR);
		RV(CKR_HOST_MEMORY);
		RV(CKR_SESSION_HANDLE_INVALID);
		RV(CKR_CRYPTOKI_NOT_INITIALIZED);
		RV(CKR_BUFFER_TOO_SMALL);
#undef RV
	default:
		snprintf(text, sizeof text, "0x%lx", (unsigned long)rv);
		return text;
	}
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	if (f == NULL)
		return -1;
	int rc = fputs(text, f) < 0 ? -1 : 0;
	return fclose(f) != 0 ? -1 : rc;
}

static CK_RV find_initialised_slot(wl *w, const char *label)
{
	CK_SLOT_ID slots[64];
	CK_ULONG count = 64;
	WL_CHECK(w->f->C_GetSlotList(CK_TRUE, slots, &count));
	for (CK_ULONG i = 0; i < count; i++) {
		CK_TOKEN_INFO info;
		if (w->f->C_GetTokenInfo(slots[i], &info) != CKR_OK)
			continue;
		bool initialised = (info.flags & CKF_TOKEN_INITIALIZED) != 0;
		if (label == NULL ? !initialised
		                  : initialised && memcmp(info.label, label,
		                                          strlen(label)) == 0) {
			w->slot = slots[i];
			return CKR_OK;
		}
	}
	fprintf(stderr, "workload: no slot with %s token\n",
	        label ? "the initialised" : "an uninitialised");
	return CKR_GENERAL_ERROR;
}

CK_RV wl_setup(wl *w, const char *module_path)
{
	memset(w, 0, sizeof *w);
	for (size_t i = 0; i < KK_MODULE_KEYS; i++)
		w->keys[i] = w->unwrapped[i] = CK_INVALID_HANDLE;
	w->kek = CK_INVALID_HANDLE;
	const char *tmp = getenv("TMPDIR");
	snprintf(w->dir, sizeof w->dir, "%s/memscan.XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(w->dir) == NULL) {
		perror("workload: mkdtemp");
		w->dir[0] = '\0';
		return CKR_GENERAL_ERROR;
	}
	char path[700], text[2000];
	snprintf(text, sizeof text,
	         "store_path = %s/store\nlog_file = %s/guardhsm.log\n"
	         "log_level = warning\n",
	         w->dir, w->dir);
	snprintf(path, sizeof path, "%s/guardhsm.conf", w->dir);
	if (write_file(path, text) != 0 || setenv("GUARDHSM_CONF", path, 1))
		return CKR_GENERAL_ERROR;
	snprintf(path, sizeof path, "%s/tokens", w->dir);
	if (mkdir(path, 0700) != 0)
		return CKR_GENERAL_ERROR;
	snprintf(text, sizeof text,
	         "directories.tokendir = %s/tokens\n"
	         "objectstore.backend = file\nlog.level = ERROR\n",
	         w->dir);
	snprintf(path, sizeof path, "%s/softhsm2.conf", w->dir);
	if (write_file(path, text) != 0 || setenv("SOFTHSM2_CONF", path, 1))
		return CKR_GENERAL_ERROR;

	w->library = dlopen(module_path, RTLD_NOW | RTLD_LOCAL);
	if (w->library == NULL) {
		fprintf(stderr, "workload: dlopen %s: %s\n", module_path,
		        dlerror());
		return CKR_GENERAL_ERROR;
	}
	CK_C_GetFunctionList get =
	        (CK_C_GetFunctionList)dlsym(w->library, "C_GetFunctionList");
	if (get == NULL) {
		fprintf(stderr, "workload: %s has no C_GetFunctionList\n",
		        module_path);
		return CKR_GENERAL_ERROR;
	}
	WL_CHECK(get(&w->f));
	WL_CHECK(w->f->C_Initialize(NULL));
	w->initialized = true;

	WL_CHECK(find_initialised_slot(w, NULL));
	CK_UTF8CHAR label[32];
	memset(label, ' ', sizeof label);
	memcpy(label, "memscan", 7);
	WL_CHECK(w->f->C_InitToken(w->slot, (CK_UTF8CHAR_PTR)WL_SO_PIN,
	                           strlen(WL_SO_PIN), label));
	WL_CHECK(find_initialised_slot(w, "memscan")); /* SoftHSM renumbers */
	CK_SESSION_HANDLE so;
	WL_CHECK(w->f->C_OpenSession(
	        w->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &so));
	WL_CHECK(w->f->C_Login(so, CKU_SO, (CK_UTF8CHAR_PTR)WL_SO_PIN,
	                       strlen(WL_SO_PIN)));
	WL_CHECK(w->f->C_InitPIN(so, (CK_UTF8CHAR_PTR)WL_USER_PIN,
	                         strlen(WL_USER_PIN)));
	WL_CHECK(w->f->C_Logout(so));
	WL_CHECK(w->f->C_CloseSession(so));
	WL_CHECK(w->f->C_OpenSession(w->slot,
	                             CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
	                             NULL, &w->session));
	WL_CHECK(w->f->C_Login(w->session, CKU_USER,
	                       (CK_UTF8CHAR_PTR)WL_USER_PIN,
	                       strlen(WL_USER_PIN)));
	return CKR_OK;
}

/* The RSA key: decrypted into a private page, handed to the module with
 * all its CRT components, wiped and unmapped. */
static CK_RV create_rsa_key(wl *w, size_t key, bool token)
{
	const kk_key *k = &kk_module_keys[key];
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t size = (KK_RSA_DER_BYTES + page - 1) / page * page;
	unsigned char *der = mmap(NULL, size, PROT_READ | PROT_WRITE,
	                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (der == MAP_FAILED)
		return CKR_HOST_MEMORY;
	kk_rsa_parts parts;
	if (kk_rsa_open(der, &parts) != 0) {
		explicit_bzero(der, size);
		munmap(der, size);
		return CKR_GENERAL_ERROR;
	}
	static const CK_ATTRIBUTE_TYPE types[KK_RSA_PARTS] = {
	        CKA_MODULUS,    CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT,
	        CKA_PRIME_1,    CKA_PRIME_2,         CKA_EXPONENT_1,
	        CKA_EXPONENT_2, CKA_COEFFICIENT};
	CK_BBOOL yes = CK_TRUE;
	CK_BBOOL is_token = token ? CK_TRUE : CK_FALSE;
	CK_BBOOL extractable = wl_wrapped(key) ? CK_TRUE : CK_FALSE;
	CK_OBJECT_CLASS class_ = CKO_PRIVATE_KEY;
	CK_KEY_TYPE type = CKK_RSA;
	CK_ATTRIBUTE attributes[8 + KK_RSA_PARTS] = {
	        {CKA_CLASS, &class_, sizeof class_},
	        {CKA_KEY_TYPE, &type, sizeof type},
	        {CKA_TOKEN, &is_token, sizeof is_token},
	        {CKA_PRIVATE, &yes, sizeof yes},
	        {CKA_SENSITIVE, &yes, sizeof yes},
	        {CKA_EXTRACTABLE, &extractable, sizeof extractable},
	        {CKA_SIGN, &yes, sizeof yes},
	        {CKA_LABEL, (void *)k->name, strlen(k->name)},
	};
	for (size_t i = 0; i < KK_RSA_PARTS; i++)
		attributes[8 + i] = (CK_ATTRIBUTE){
		        types[i], (void *)parts.value[i], parts.length[i]};
	CK_RV rv = w->f->C_CreateObject(w->session, attributes,
	                                8 + KK_RSA_PARTS, &w->keys[key]);
	explicit_bzero(der, size);
	munmap(der, size);
	if (rv != CKR_OK) {
		fprintf(stderr, "workload: C_CreateObject(%s): %s\n", k->name,
		        wl_rv_name(rv));
		w->keys[key] = CK_INVALID_HANDLE;
	}
	return rv;
}

CK_RV wl_create_key(wl *w, size_t key, bool token)
{
	const kk_key *k = &kk_module_keys[key];
	if (k->kind == KK_RSA)
		return create_rsa_key(w, key, token);
	/* The only copy of the value this process makes: a private page,
	 * wiped and unmapped as soon as the module has taken it. */
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *value = mmap(NULL, page, PROT_READ | PROT_WRITE,
	                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (value == MAP_FAILED)
		return CKR_HOST_MEMORY;
	if (kk_derive(k, value) != 0) {
		munmap(value, page);
		return CKR_GENERAL_ERROR;
	}
	CK_BBOOL yes = CK_TRUE;
	CK_BBOOL is_token = token ? CK_TRUE : CK_FALSE;
	CK_BBOOL extractable = wl_wrapped(key) ? CK_TRUE : CK_FALSE;
	CK_OBJECT_CLASS class_ = CKO_PRIVATE_KEY;
	CK_KEY_TYPE type = CKK_EC;
	const unsigned char *params = NULL;
	size_t params_length = 0;
	CK_ATTRIBUTE_TYPE usage = CKA_SIGN;
	switch (k->kind) {
	case KK_ED25519:
		type = CKK_EC_EDWARDS;
		params = oid_ed25519;
		params_length = sizeof oid_ed25519;
		break;
	case KK_P256:
		params = oid_p256;
		params_length = sizeof oid_p256;
		break;
	case KK_HMAC:
		class_ = CKO_SECRET_KEY;
		type = CKK_GENERIC_SECRET;
		break;
	case KK_AES:
		class_ = CKO_SECRET_KEY;
		type = CKK_AES;
		usage = CKA_ENCRYPT;
		break;
	case KK_RSA:
	case KK_RAW:
		munmap(value, page);
		return CKR_ARGUMENTS_BAD;
	}
	CK_ATTRIBUTE attributes[10] = {
	        {CKA_CLASS, &class_, sizeof class_},
	        {CKA_KEY_TYPE, &type, sizeof type},
	        {CKA_TOKEN, &is_token, sizeof is_token},
	        {CKA_PRIVATE, &yes, sizeof yes},
	        {CKA_SENSITIVE, &yes, sizeof yes},
	        {CKA_EXTRACTABLE, &extractable, sizeof extractable},
	        {usage, &yes, sizeof yes},
	        {CKA_LABEL, (void *)k->name, strlen(k->name)},
	        {CKA_VALUE, value, KK_KEY_BYTES},
	};
	CK_ULONG count = 9;
	if (params != NULL)
		attributes[count++] = (CK_ATTRIBUTE){
		        CKA_EC_PARAMS, (void *)params, params_length};
	CK_RV rv = w->f->C_CreateObject(w->session, attributes, count,
	                                &w->keys[key]);
	explicit_bzero(value, page);
	munmap(value, page);
	if (rv != CKR_OK) {
		fprintf(stderr, "workload: C_CreateObject(%s, %s): %s\n",
		        k->name, token ? "token" : "session", wl_rv_name(rv));
		w->keys[key] = CK_INVALID_HANDLE;
	}
	return rv;
}

static void fill(unsigned char *data, size_t length, int round)
{
	for (size_t i = 0; i < length; i++)
		data[i] = (unsigned char)(i * 7 + (size_t)round * 13 + 1);
}

static CK_RV use_once(wl *w, CK_SESSION_HANDLE s, size_t key, int round)
{
	unsigned char out[512];
	CK_ULONG out_length = sizeof out;
	return wl_run_once(w, s, key, w->keys[key], round, out, &out_length);
}

CK_RV wl_run_once(wl *w, CK_SESSION_HANDLE s, size_t key,
                  CK_OBJECT_HANDLE handle, int round, unsigned char *out,
                  CK_ULONG *out_length)
{
	const kk_key *k = &kk_module_keys[key];
	unsigned char data[64];
	fill(data, sizeof data, round);
	CK_MECHANISM m = {CKM_EDDSA, NULL, 0};
	CK_ULONG data_length = sizeof data;
	switch (k->kind) {
	case KK_ED25519:
		break;
	case KK_P256:
		m.mechanism = CKM_ECDSA;
		data_length = 32; /* a SHA-256 digest */
		break;
	case KK_HMAC:
		m.mechanism = CKM_SHA256_HMAC;
		break;
	case KK_AES:
		m = (CK_MECHANISM){CKM_AES_CBC, (void *)aes_iv, sizeof aes_iv};
		WL_CHECK(w->f->C_EncryptInit(s, &m, handle));
		WL_CHECK(
		        w->f->C_Encrypt(s, data, data_length, out, out_length));
		return CKR_OK;
	case KK_RSA:
		m.mechanism = CKM_SHA256_RSA_PKCS;
		break;
	case KK_RAW:
		return CKR_ARGUMENTS_BAD;
	}
	WL_CHECK(w->f->C_SignInit(s, &m, handle));
	WL_CHECK(w->f->C_Sign(s, data, data_length, out, out_length));
	return CKR_OK;
}

CK_RV wl_use_key(wl *w, size_t key, int times)
{
	if (w->keys[key] == CK_INVALID_HANDLE)
		return CKR_KEY_HANDLE_INVALID;
	for (int i = 0; i < times; i++) {
		CK_RV rv = use_once(w, w->session, key, i);
		if (rv != CKR_OK) {
			fprintf(stderr, "workload: use %d of %s failed\n", i,
			        kk_module_keys[key].name);
			return rv;
		}
	}
	return CKR_OK;
}

static CK_RV start_multipart(wl *w, CK_SESSION_HANDLE s, size_t key,
                             CK_OBJECT_HANDLE handle);

static CK_RV open_multipart(wl *w, size_t key, CK_OBJECT_HANDLE handle)
{
	if (handle == CK_INVALID_HANDLE)
		return CKR_KEY_HANDLE_INVALID;
	if (w->n_ops == WL_MAX_OPS)
		return CKR_GENERAL_ERROR;
	CK_SESSION_HANDLE s;
	WL_CHECK(w->f->C_OpenSession(
	        w->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s));
	CK_RV rv = start_multipart(w, s, key, handle);
	if (rv != CKR_OK) {
		(void)w->f->C_CloseSession(s);
		return rv;
	}
	w->ops[w->n_ops++] = s;
	return CKR_OK;
}

CK_RV wl_open_multipart(wl *w, size_t key)
{
	return open_multipart(w, key, w->keys[key]);
}

CK_RV wl_open_multipart_unwrapped(wl *w, size_t key)
{
	return open_multipart(w, key, w->unwrapped[key]);
}

/* PKCS#11 3.0 message-based AES-GCM, left open after one message: the
 * key is held open (and expanded) for the whole operation, so it must be
 * in enclave memory during the scan. Modules without the 3.0 interface
 * (SoftHSM 2.6) skip it. */
static CK_RV start_message_based(wl *w, CK_SESSION_HANDLE s, size_t key)
{
	CK_RV(*get_interface)
	(CK_UTF8CHAR_PTR, CK_VERSION_PTR, CK_INTERFACE_PTR_PTR, CK_FLAGS) =
	        (CK_RV(*)(CK_UTF8CHAR_PTR, CK_VERSION_PTR, CK_INTERFACE_PTR_PTR,
	                  CK_FLAGS))dlsym(w->library, "C_GetInterface");
	CK_VERSION version = {3, 0};
	CK_INTERFACE_PTR interface = NULL;
	if (get_interface == NULL ||
	    get_interface((CK_UTF8CHAR_PTR) "PKCS 11", &version, &interface,
	                  0) != CKR_OK)
		return CKR_OK;
	CK_FUNCTION_LIST_3_0_PTR f3 = interface->pFunctionList;
	unsigned char data[100], out[100], iv[12], tag[16];
	fill(data, sizeof data, 2000);
	fill(iv, sizeof iv, 2001);
	GUARDHSM_GCM_MESSAGE_PARAMS params = {
	        iv, sizeof iv, 0, CKG_NO_GENERATE, tag, 128};
	CK_MECHANISM m = {CKM_AES_GCM, NULL, 0};
	CK_ULONG out_length = sizeof out;
	WL_CHECK(f3->C_MessageEncryptInit(s, &m, w->keys[key]));
	WL_CHECK(f3->C_EncryptMessage(s, &params, sizeof params, NULL, 0, data,
	                              sizeof data, out, &out_length));
	return CKR_OK;
}

static CK_RV start_multipart(wl *w, CK_SESSION_HANDLE s, size_t key,
                             CK_OBJECT_HANDLE handle)
{
	const kk_key *k = &kk_module_keys[key];
	unsigned char data[100], out[128];
	fill(data, sizeof data, 1000 + (int)key);
	CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
	switch (k->kind) {
	case KK_P256:
		break;
	case KK_HMAC:
		m.mechanism = CKM_SHA256_HMAC;
		break;
	case KK_RSA:
		m.mechanism = CKM_SHA256_RSA_PKCS;
		break;
	case KK_AES: {
		/* The token key runs CBC, the session key GCM: both kinds of
		 * chaining state (a CBC IV; GCM's buffered data and keyed
		 * state) are open during the scan. */
		CK_GCM_PARAMS gcm = {(CK_BYTE_PTR)aes_iv, 12, 96, NULL, 0, 128};
		if (key == KK_SESSION_AES)
			m = (CK_MECHANISM){CKM_AES_GCM, &gcm, sizeof gcm};
		else
			m = (CK_MECHANISM){CKM_AES_CBC, (void *)aes_iv,
			                   sizeof aes_iv};
		CK_ULONG out_length = sizeof out;
		WL_CHECK(w->f->C_EncryptInit(s, &m, handle));
		WL_CHECK(w->f->C_EncryptUpdate(s, data, 64, out, &out_length));
		if (key == KK_SESSION_AES)
			return start_message_based(w, s, key);
		return CKR_OK;
	}
	default:
		return CKR_MECHANISM_INVALID; /* EdDSA has no multi-part form */
	}
	WL_CHECK(w->f->C_SignInit(s, &m, handle));
	WL_CHECK(w->f->C_SignUpdate(s, data, sizeof data));
	WL_CHECK(w->f->C_SignUpdate(s, data, 37));
	return CKR_OK;
}

CK_RV wl_close_multipart(wl *w)
{
	CK_RV result = CKR_OK;
	for (size_t i = 0; i < w->n_ops; i++) {
		unsigned char out[256];
		CK_ULONG length = sizeof out;
		/* Whichever operation is open: the other call answers
		 * CKR_OPERATION_NOT_INITIALIZED. */
		CK_RV rv = w->f->C_SignFinal(w->ops[i], out, &length);
		if (rv == CKR_OPERATION_NOT_INITIALIZED) {
			length = sizeof out;
			rv = w->f->C_EncryptFinal(w->ops[i], out, &length);
		}
		if (rv != CKR_OK) {
			fprintf(stderr,
			        "workload: finishing operation %zu: %s\n", i,
			        wl_rv_name(rv));
			result = rv;
		}
		rv = w->f->C_CloseSession(w->ops[i]);
		if (rv != CKR_OK)
			result = rv;
	}
	w->n_ops = 0;
	return result;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void wl_teardown(wl *w)
{
	if (w->initialized && w->f != NULL)
		(void)w->f->C_Finalize(NULL);
	w->initialized = false;
	/* The module stays loaded: unloading a module that may have started
	 * threads or registered atexit handlers is not this test's subject. */
	if (w->dir[0] != '\0' && getenv("GUARDHSM_TEST_KEEP") == NULL)
		(void)nftw(w->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	else if (w->dir[0] != '\0')
		fprintf(stderr, "workload: kept %s\n", w->dir);
	w->dir[0] = '\0';
}

int wl_run(const char *program, char *const argv[])
{
	pid_t pid;
	int rc = posix_spawn(&pid, program, NULL, NULL, argv, environ);
	if (rc != 0) {
		fprintf(stderr, "cannot start %s: %s\n", program, strerror(rc));
		return -1;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

int wl_read_result(const char *path, const char *name, size_t *protected_occ,
                   size_t *unprotected_occ)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return -1;
	char line[256], key[128];
	int rc = -1;
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned long p, u;
		if (name == NULL) {
			if (sscanf(line, "total %lu %lu", &p, &u) != 2)
				continue;
		} else if (sscanf(line, "key %127s %lu %lu", key, &p, &u) !=
		                   3 ||
		           strcmp(key, name) != 0)
			continue;
		*protected_occ = p;
		*unprotected_occ = u;
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

int wl_memscan_self(const char *mode, const char *dir, const char *keys,
                    const char *policy, const char *label, const char *result)
{
	const char *memscan = getenv("GUARDHSM_MEMSCAN");
	if (memscan == NULL || *memscan == '\0')
		memscan = MEMSCAN_PATH;
	char pid[32];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	char *argv[16];
	int n = 0;
	argv[n++] = (char *)memscan;
	argv[n++] = (char *)mode;
	argv[n++] = pid;
	if (dir != NULL)
		argv[n++] = (char *)dir;
	argv[n++] = "--keys";
	argv[n++] = (char *)keys;
	argv[n++] = "--policy";
	argv[n++] = (char *)policy;
	argv[n++] = "--label";
	argv[n++] = (char *)label;
	argv[n++] = "--result";
	argv[n++] = (char *)result;
	argv[n] = NULL;
	fflush(stdout);
	fflush(stderr);
	return wl_run(memscan, argv);
}

bool wl_asan(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return true;
#else
	return false;
#endif
#else
	return false;
#endif
}
