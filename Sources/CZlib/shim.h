// zlib from the system (Debian zlib1g-dev): gzip input of any format, pprof's gzip-wrapped profile.proto.
#include <zlib.h>
