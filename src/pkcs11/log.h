/* The module's log: one line per event, to stderr or a file, filtered by
 * level. Never logs secrets or PINs. */
#ifndef GUARDHSM_PKCS11_LOG_H
#define GUARDHSM_PKCS11_LOG_H

typedef enum p11_log_level {
	P11_LOG_ERROR = 0,
	P11_LOG_WARNING,
	P11_LOG_INFO,
	P11_LOG_DEBUG,
} p11_log_level;

/* path NULL: stderr. Returns 0, or -1 if the file cannot be opened. */
int p11_log_open(p11_log_level level, const char *path);
void p11_log_close(void);
void p11_log(p11_log_level level, const char *format, ...)
        __attribute__((format(printf, 2, 3)));

#endif
