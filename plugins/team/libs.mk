# plugins/team/libs.mk - extra libraries of the team plugin: libargon2 for
# password hashing; mbedTLS HMAC (TOTP) comes from the portico binary.
team_LIBS = -largon2
