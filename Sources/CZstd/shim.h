// zstd from the system (Debian libzstd-dev): zstd-compressed input of any format, heaptrack's `heaptrack.*.zst`.
#include <zstd.h>
