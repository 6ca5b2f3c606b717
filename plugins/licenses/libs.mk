# plugins/licenses/libs.mk - extra libraries of the licenses plugin: libcsv
# (Debian libcsv-dev) for the RFC 4180 CSV import.
licenses_LIBS = -lcsv
