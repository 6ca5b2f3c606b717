# plugins/team/libs.mk - extra libraries of the team plugin: libargon2 for
# password hashing, libcsv (Debian libcsv-dev) for the
# RFC 4180 bulk invitation import; mbedTLS HMAC (TOTP) comes from the portico binary.
team_LIBS = -largon2 -lcsv
