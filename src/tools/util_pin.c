/* PINs and passphrases: from a prompt on the terminal (no echo), a file's
 * first line, or an environment variable; never from the command line.
 * The bytes go straight into an enclave buffer (locked, no-dump, wiped on
 * free); nothing here copies them elsewhere. */
#include "config.h"

#include "tools/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define SECRET_MAX 256 /* bytes; longer input is an error */

const unsigned char *util_secret_data(const util_secret *secret)
{
	return secret->buffer != NULL ? enc_data(secret->buffer) : NULL;
}

void util_secret_free(util_secret *secret)
{
	if (secret == NULL)
		return;
	enc_free(secret->buffer); /* wipes */
	secret->buffer = NULL;
	secret->length = 0;
}

static int new_secret(util_secret *out)
{
	out->length = 0;
	if (enc_alloc(SECRET_MAX, 0, &out->buffer) != ENC_OK) {
		out->buffer = NULL;
		return util_error(UTIL_EXIT_FAILED,
		                  "cannot allocate protected memory for a PIN");
	}
	return UTIL_EXIT_OK;
}

/* Reads one line from fd into the secret, byte by byte (no stdio buffer
 * keeps a copy). Stops at newline or end of file; a trailing CR goes too.
 * Returns 0, or -1 if too long or unreadable. */
static int read_line(int fd, util_secret *secret)
{
	unsigned char *data = enc_data(secret->buffer);
	size_t length = 0;
	for (;;) {
		unsigned char byte;
		ssize_t got = read(fd, &byte, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0 || byte == '\n')
			break;
		if (length == SECRET_MAX) {
			enc_wipe(data, SECRET_MAX);
			return -1;
		}
		data[length++] = byte;
	}
	if (length > 0 && data[length - 1] == '\r')
		data[--length] = 0;
	secret->length = length;
	return 0;
}

static int from_file(const char *path, util_secret *secret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return util_error(errno == ENOENT ? UTIL_EXIT_NOT_FOUND
		                                  : UTIL_EXIT_INPUT,
		                  "cannot read the PIN file %s: %s", path,
		                  strerror(errno));
	int result = read_line(fd, secret);
	close(fd);
	if (result != 0)
		return util_error(UTIL_EXIT_INPUT,
		                  "%s: unreadable, or a first line longer than "
		                  "%d bytes",
		                  path, SECRET_MAX);
	return UTIL_EXIT_OK;
}

static int from_environment(const char *name, util_secret *secret)
{
	const char *value = getenv(name);
	if (value == NULL)
		return util_error(UTIL_EXIT_PIN,
		                  "the environment variable %s is not set",
		                  name);
	size_t length = strlen(value);
	if (length > SECRET_MAX)
		return util_error(UTIL_EXIT_PIN, "%s is longer than %d bytes",
		                  name, SECRET_MAX);
	memcpy(enc_data(secret->buffer), value, length);
	secret->length = length;
	return UTIL_EXIT_OK;
}

/* The terminal's settings while echo is off, restored by a signal too. */
static int terminal = -1;
static struct termios saved_settings;
static volatile sig_atomic_t echo_off;

static void restore_echo(void)
{
	if (echo_off) {
		tcsetattr(terminal, TCSADRAIN, &saved_settings);
		echo_off = 0;
	}
}

static void on_signal(int number)
{
	restore_echo();
	signal(number, SIG_DFL);
	raise(number);
}

static int prompt_once(const char *prompt, util_secret *secret)
{
	struct sigaction action = {0}, old_int, old_term, old_hup;
	action.sa_handler = on_signal;
	sigaction(SIGINT, &action, &old_int);
	sigaction(SIGTERM, &action, &old_term);
	sigaction(SIGHUP, &action, &old_hup);
	/* Echo off first, then the prompt: whatever is typed after the
	 * prompt appears is kept (TCSAFLUSH only drops earlier type-ahead,
	 * which may have been echoed). */
	struct termios quiet;
	if (tcgetattr(terminal, &saved_settings) == 0) {
		quiet = saved_settings;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		if (tcsetattr(terminal, TCSAFLUSH, &quiet) == 0)
			echo_off = 1;
	}
	(void)!write(terminal, prompt, strlen(prompt));
	int result = read_line(terminal, secret);
	restore_echo();
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	(void)!write(terminal, "\n", 1);
	return result;
}

static int from_prompt(const char *prompt, bool confirm, util_secret *secret)
{
	terminal = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (terminal < 0)
		return util_error(UTIL_EXIT_PIN,
		                  "%s needed but there is no terminal to ask "
		                  "on: give --pin-source file:PATH or "
		                  "env:VARIABLE (see --help)",
		                  prompt);
	char text[160];
	snprintf(text, sizeof(text), "%s: ", prompt);
	int status = UTIL_EXIT_OK;
	if (prompt_once(text, secret) != 0)
		status = util_error(UTIL_EXIT_PIN,
		                    "%s: too long (over %d "
		                    "bytes) or unreadable",
		                    prompt, SECRET_MAX);
	if (status == UTIL_EXIT_OK && confirm) {
		util_secret again = {0};
		status = new_secret(&again);
		snprintf(text, sizeof(text), "%s (again): ", prompt);
		if (status == UTIL_EXIT_OK &&
		    (prompt_once(text, &again) != 0 ||
		     again.length != secret->length ||
		     !enc_ct_equal(enc_data(again.buffer),
		                   enc_data(secret->buffer), secret->length)))
			status = util_error(UTIL_EXIT_PIN,
			                    "the two entries differ");
		util_secret_free(&again);
	}
	close(terminal);
	terminal = -1;
	return status;
}

int util_secret_read(const char *source, const char *fallback_env,
                     const char *prompt, bool confirm, util_secret *out)
{
	out->buffer = NULL;
	out->length = 0;
	if (source == NULL && fallback_env != NULL &&
	    getenv(fallback_env) != NULL) {
		static char named[64];
		snprintf(named, sizeof(named), "env:%s", fallback_env);
		source = named;
	}
	if (source == NULL)
		source = "prompt";
	int status;
	if (strncmp(source, "file:", 5) == 0 && source[5] != '\0') {
		if ((status = new_secret(out)) == UTIL_EXIT_OK)
			status = from_file(source + 5, out);
	} else if (strncmp(source, "env:", 4) == 0 && source[4] != '\0') {
		if ((status = new_secret(out)) == UTIL_EXIT_OK)
			status = from_environment(source + 4, out);
	} else if (strcmp(source, "prompt") == 0) {
		if ((status = new_secret(out)) == UTIL_EXIT_OK)
			status = from_prompt(prompt, confirm, out);
	} else {
		return util_usage_error("bad secret source '%s' (expected "
		                        "file:PATH, env:VARIABLE or prompt)",
		                        source);
	}
	if (status == UTIL_EXIT_OK &&
	    enc_protect(out->buffer, ENC_READONLY) != ENC_OK)
		status = util_error(UTIL_EXIT_FAILED,
		                    "cannot protect the PIN's memory");
	if (status != UTIL_EXIT_OK)
		util_secret_free(out);
	return status;
}
