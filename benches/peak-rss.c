/* peak-rss RUNS PROGRAM [ARG...]: runs PROGRAM (a path, no PATH search) RUNS times with its
 * output sent to /dev/null and prints "<median KiB> <max KiB>" of the peak resident set size.
 *
 * The figure is wait4()'s ru_maxrss. Linux keeps the high-water mark of the image a process
 * replaced with execve() (exec_mmap -> setmax_mm_hiwater_rss), so for a wrapper that execs the
 * runtime this is max(wrapper, runtime): with the tiny fake runtime that is the wrapper's peak.
 * Exits 1 when a run does not exit 0. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 3 || atoi(argv[1]) < 1) {
        fprintf(stderr, "usage: peak-rss RUNS PROGRAM [ARG...]\n");
        return 2;
    }
    int n = atoi(argv[1]);
    long *kib = calloc((size_t)n, sizeof *kib);
    if (!kib) return 2;
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); return 2; }
        if (pid == 0) {
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0) { dup2(fd, 1); dup2(fd, 2); }
            execv(argv[2], argv + 2);
            _exit(127);
        }
        int status;
        struct rusage ru;
        if (wait4(pid, &status, 0, &ru) < 0) { perror("wait4"); return 2; }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "peak-rss: %s did not exit 0 (status %#x)\n", argv[2], status);
            return 1;
        }
        kib[i] = ru.ru_maxrss;
    }
    qsort(kib, (size_t)n, sizeof *kib, cmp);
    printf("%ld %ld\n", kib[n / 2], kib[n - 1]);
    return 0;
}
