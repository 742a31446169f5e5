/* The memory-scan workload's wrapping step (p11_workload.h): private keys
 * wrapped as PKCS#8 under a token-generated KEK and unwrapped into copies
 * that stay for the scans. */
#include "config.h"

#include "p11_workload.h"

#include <stdio.h>
#include <string.h>

const size_t wl_wrapped_keys[WL_WRAPPED_KEYS] = {KK_TOKEN_RSA, KK_TOKEN_ED25519,
                                                 KK_SESSION_P256};

bool wl_wrapped(size_t key)
{
	for (size_t i = 0; i < WL_WRAPPED_KEYS; i++)
		if (wl_wrapped_keys[i] == key)
			return true;
	return false;
}

/* An AES-256 session key generated for wrapping, never extractable. */
static CK_RV make_kek(wl *w)
{
	CK_OBJECT_CLASS class_ = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_AES;
	CK_ULONG length = 32;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE attributes[] = {
	        {CKA_CLASS, &class_, sizeof class_},
	        {CKA_KEY_TYPE, &type, sizeof type},
	        {CKA_VALUE_LEN, &length, sizeof length},
	        {CKA_TOKEN, &no, sizeof no},
	        {CKA_SENSITIVE, &yes, sizeof yes},
	        {CKA_EXTRACTABLE, &no, sizeof no},
	        {CKA_WRAP, &yes, sizeof yes},
	        {CKA_UNWRAP, &yes, sizeof yes},
	};
	CK_MECHANISM m = {CKM_AES_KEY_GEN, NULL, 0};
	WL_CHECK(w->f->C_GenerateKey(w->session, &m, attributes,
	                             sizeof attributes / sizeof attributes[0],
	                             &w->kek));
	return CKR_OK;
}

/* CKA_PUBLIC_KEY_INFO of both, equal if the original has one. */
static CK_RV same_public_key_info(wl *w, CK_OBJECT_HANDLE a, CK_OBJECT_HANDLE b)
{
	unsigned char first[600], second[600];
	CK_ATTRIBUTE info[2] = {{CKA_PUBLIC_KEY_INFO, first, sizeof first},
	                        {CKA_PUBLIC_KEY_INFO, second, sizeof second}};
	WL_CHECK(w->f->C_GetAttributeValue(w->session, a, &info[0], 1));
	WL_CHECK(w->f->C_GetAttributeValue(w->session, b, &info[1], 1));
	if (info[0].ulValueLen == 0)
		return CKR_OK;
	if (info[0].ulValueLen != info[1].ulValueLen ||
	    memcmp(first, second, info[0].ulValueLen) != 0) {
		fprintf(stderr, "workload: the unwrapped key's public key "
		                "differs\n");
		return CKR_GENERAL_ERROR;
	}
	return CKR_OK;
}

CK_RV wl_wrap_unwrap(wl *w, size_t key, int times)
{
	const kk_key *k = &kk_module_keys[key];
	if (w->keys[key] == CK_INVALID_HANDLE)
		return CKR_KEY_HANDLE_INVALID;
	if (w->kek == CK_INVALID_HANDLE) {
		CK_RV rv = make_kek(w);
		if (rv != CKR_OK)
			return rv;
	}
	unsigned char blob[2048];
	CK_ULONG length = sizeof blob;
	CK_MECHANISM kwp = {CKM_AES_KEY_WRAP_KWP, NULL, 0};
	WL_CHECK(w->f->C_WrapKey(w->session, &kwp, w->kek, w->keys[key], blob,
	                         &length));
	CK_OBJECT_CLASS class_ = CKO_PRIVATE_KEY;
	CK_KEY_TYPE type = k->kind == KK_RSA       ? CKK_RSA
	                   : k->kind == KK_ED25519 ? CKK_EC_EDWARDS
	                                           : CKK_EC;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	char label[64];
	snprintf(label, sizeof label, "%s-unwrapped", k->name);
	CK_ATTRIBUTE attributes[] = {
	        {CKA_CLASS, &class_, sizeof class_},
	        {CKA_KEY_TYPE, &type, sizeof type},
	        {CKA_TOKEN, &no, sizeof no},
	        {CKA_PRIVATE, &yes, sizeof yes},
	        {CKA_SENSITIVE, &yes, sizeof yes},
	        {CKA_EXTRACTABLE, &no, sizeof no},
	        {CKA_SIGN, &yes, sizeof yes},
	        {CKA_LABEL, label, strlen(label)},
	};
	CK_RV rv = w->f->C_UnwrapKey(
	        w->session, &kwp, w->kek, blob, length, attributes,
	        sizeof attributes / sizeof attributes[0], &w->unwrapped[key]);
	explicit_bzero(blob, sizeof blob); /* ciphertext, but no need to keep */
	if (rv != CKR_OK) {
		fprintf(stderr, "workload: C_UnwrapKey(%s): %s\n", k->name,
		        wl_rv_name(rv));
		w->unwrapped[key] = CK_INVALID_HANDLE;
		return rv;
	}
	WL_CHECK(same_public_key_info(w, w->keys[key], w->unwrapped[key]));
	for (int i = 0; i < times; i++) {
		unsigned char a[512], b[512];
		CK_ULONG a_length = sizeof a, b_length = sizeof b;
		WL_CHECK(wl_run_once(w, w->session, key, w->unwrapped[key], i,
		                     a, &a_length));
		if (k->kind == KK_P256)
			continue; /* ECDSA signatures are randomised */
		WL_CHECK(wl_run_once(w, w->session, key, w->keys[key], i, b,
		                     &b_length));
		if (a_length != b_length || memcmp(a, b, a_length) != 0) {
			fprintf(stderr,
			        "workload: the unwrapped %s signs "
			        "differently\n",
			        k->name);
			return CKR_GENERAL_ERROR;
		}
	}
	return CKR_OK;
}
