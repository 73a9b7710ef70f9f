/* The floor: a stand-in for podman that does nothing and exits 0.
 *
 * It answers `--version` as podman does, because nanoclaw-shim asks once per installed runtime
 * (and caches the answer by the binary's identity): without an answer every benchmarked call
 * would spawn the runtime again, which real podman would not cause. The version is Debian 12's
 * podman. Anything else is ignored.
 *
 * benches/run.sh links it statically when the toolchain can (gcc -O2 -static), so its own
 * start-up is as small as a process gets (execve + exit, no dynamic loader). */
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        static const char v[] = "podman version 4.3.1\n";
        return write(1, v, sizeof v - 1) == (ssize_t)(sizeof v - 1) ? 0 : 1;
    }
    return 0;
}
