/* Opt-in process hardening. Off by default: a library loaded into someone
 * else's process must not change how that process dumps or dies. */
#include "config.h"

#include "enclave/internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

#define KNOWN_HARDEN_FLAGS (ENC_HARDEN_NO_DUMP | ENC_HARDEN_PURGE_ON_SIGNAL)

static const int purge_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define PURGE_SIGNAL_COUNT (sizeof(purge_signals) / sizeof(purge_signals[0]))
static struct sigaction previous_actions[PURGE_SIGNAL_COUNT];

/* Purges, then gives the signal the action it had before (by default:
 * terminate). The lock may be held by the interrupted code, so it is only
 * tried for a while; a process that dies without purging still never dumps
 * enclave pages (MADV_DONTDUMP) and the kernel zeroes them before reuse. */
static void purge_then_resignal(int signal_number)
{
	int saved_errno = errno;
	const struct timespec pause = {.tv_sec = 0, .tv_nsec = 1000000};
	for (int attempt = 0; attempt < 50; attempt++) {
		if (pthread_mutex_trylock(&enc_global.lock) == 0) {
			enc_purge_locked();
			pthread_mutex_unlock(&enc_global.lock);
			break;
		}
		nanosleep(&pause, NULL);
	}
	for (size_t i = 0; i < PURGE_SIGNAL_COUNT; i++)
		if (purge_signals[i] == signal_number)
			sigaction(signal_number, &previous_actions[i], NULL);
	raise(signal_number);
	errno = saved_errno;
}

static enc_status install_signal_purge(void)
{
	struct sigaction action;
	memset(&action, 0, sizeof(action));
	action.sa_handler = purge_then_resignal;
	sigfillset(&action.sa_mask);
	for (size_t i = 0; i < PURGE_SIGNAL_COUNT; i++) {
		struct sigaction current;
		if (sigaction(purge_signals[i], NULL, &current) != 0)
			return ENC_ERR_SYSTEM;
		if (current.sa_handler == purge_then_resignal)
			continue; /* installed already: keep the original */
		previous_actions[i] = current;
		if (sigaction(purge_signals[i], &action, NULL) != 0)
			return ENC_ERR_SYSTEM;
	}
	return ENC_OK;
}

enc_status enc_harden(unsigned flags)
{
	if (flags == 0 || (flags & ~KNOWN_HARDEN_FLAGS))
		return ENC_ERR_INVALID;
	if (flags & ENC_HARDEN_NO_DUMP) {
		struct rlimit no_core = {0, 0};
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 ||
		    setrlimit(RLIMIT_CORE, &no_core) != 0)
			return ENC_ERR_SYSTEM;
	}
	if (flags & ENC_HARDEN_PURGE_ON_SIGNAL)
		return install_signal_purge();
	return ENC_OK;
}
