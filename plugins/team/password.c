/*
 * plugins/team/password.c - password hashing with argon2id (libargon2)
 * at the OWASP minimum: m = 19 MiB, t = 2, p = 1, 16-byte random salt,
 * 32-byte tag, stored in the PHC encoded form ("$argon2id$v=19$...").
 *
 * Hashing costs ~20 ms of CPU: these functions run only on the worker's
 * thread pool (pt_work_run), never on the event loop. Unknown emails are
 * checked against a dummy hash of the same cost, so the answer time does
 * not tell whether an address exists.
 */
#include <argon2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "team.h"

#define T_COST 2
#define M_COST 19456
#define PARALLEL 1
#define SALT_LEN 16
#define HASH_LEN 32

char *team_password_hash(const char *pw)
{
    unsigned char salt[SALT_LEN];
    if (team_random(salt, sizeof salt) != 0) return NULL;
    size_t enc_len = argon2_encodedlen(T_COST, M_COST, PARALLEL, SALT_LEN, HASH_LEN, Argon2_id);
    char *enc = pt_xmalloc(enc_len + 1);
    int rc = argon2id_hash_encoded(T_COST, M_COST, PARALLEL, pw, strlen(pw), salt, SALT_LEN,
                                   HASH_LEN, enc, enc_len);
    if (rc != ARGON2_OK) {
        pt_error("team: argon2id failed: %s", argon2_error_message(rc));
        free(enc);
        return NULL;
    }
    return enc;
}

static char *dummy;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static void dummy_init(void) { dummy = team_password_hash("portico-dummy-password"); }

bool team_password_verify(const char *encoded, const char *pw)
{
    if (!pw) pw = "";
    if (!encoded || strncmp(encoded, "$argon2id$", 10) != 0) {
        pthread_once(&dummy_once, dummy_init);
        if (dummy) (void)argon2id_verify(dummy, pw, strlen(pw));
        return false;
    }
    return argon2id_verify(encoded, pw, strlen(pw)) == ARGON2_OK;
}

bool team_password_ok(const char *pw, const char **why)
{
    size_t n = pw ? strlen(pw) : 0;
    if (n < TEAM_PASSWORD_MIN) {
        *why = "team.err.password_short";
        return false;
    }
    if (n > TEAM_PASSWORD_MAX) {
        *why = "team.err.password_long";
        return false;
    }
    return true;
}
