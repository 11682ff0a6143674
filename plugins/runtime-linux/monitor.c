/*
 * flotilla-monitor: supervises one run of one container, as conmon or containerd-shim do, in one OCI runtime
 * execution (`crun run -d`, or runc's) where conmon needs two (`create`, then `start`).
 *
 * The daemon starts it in a session of its own with a pipe on fd 3 (the sync pipe). It forks once and its first
 * process exits, so it belongs to no one and outlives a daemon that dies. As a child subreaper it inherits the
 * container's process when the runtime exits, and so waits for it and knows its exact status. It
 *   - keeps the container's stdout and stderr in a k8s-file log ("TIME STREAM F|P TEXT", what the daemon reads)
 *     and sends them live to the clients of its attach socket (unix SOCK_SEQPACKET; each message is one byte,
 *     2 stdout or 3 stderr, then the data); what clients send goes to the container's stdin (--stdin), and a
 *     client that ends its input closes it;
 *   - with --wait-attach, reads no output before the first client is connected, so that client misses none
 *     (docker's attach-before-start); the container starts meanwhile, and the pipes hold what it writes;
 *   - with --tty, receives the pseudo-terminal from the runtime on a console socket and serves it as stdout;
 *   - writes the exit code (128+N for signal N) to --exit-file, an OOM mark to --oom-file when the container's
 *     memory cgroup counted an OOM kill, then --exit-notify (which the daemon watches with inotify).
 *
 * Sync pipe, one line per report: "attach" (the attach socket listens: connect now; with --wait-attach only),
 * then "pid N" (the container runs) or "error MESSAGE" (the runtime failed; its log, flattened to one line). A
 * daemon that closes the pipe before it has connected is gone: output is then read (and logged) without waiting.
 *
 * With --mount-ns FILE the runtime runs in that mount namespace (the plugin's, on a hybrid cgroup host); the
 * monitor itself stays in the host's. Built static (gcc -static): nothing to load at each start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SYNC_FD 3
#define MAX_CLIENTS 32
#define CHUNK 8192

static struct {
    const char *runtime, *root, *id, *bundle, *pid_file, *monitor_pid_file, *log, *runtime_log, *socket;
    const char *exit_file, *exit_notify, *oom_file, *oom_counter, *mount_ns;
    int stdin_open, tty, wait_attach;
} opt;

struct client {
    int fd;
    int input_done;
};

static struct client clients[MAX_CLIENTS];
static int log_fd = -1, stdin_fd = -1, listen_fd = -1, console_fd = -1, attached = 0;
static int out_fd[2] = {-1, -1}; /* stdout (or the terminal), stderr */
static char console_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void report(const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if (n > (int)sizeof line - 2) {
        n = sizeof line - 2;
    }
    for (int i = 0; i < n; i++) {
        if (line[i] == '\n' || line[i] == '\r') {
            line[i] = ' ';
        }
    }
    line[n++] = '\n';
    if (write(SYNC_FD, line, n) < 0) {
        /* The daemon is gone; the container's run goes on without it. */
    }
}

/* Before the container runs: say what failed on the sync pipe and give up. */
static void fail(const char *what)
{
    report("error %s: %s", what, strerror(errno));
    if (opt.monitor_pid_file) {
        unlink(opt.monitor_pid_file);
    }
    _exit(1);
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        data += n;
        len -= n;
    }
    return 0;
}

/* Written whole under a temporary name, then renamed: a reader never sees half a file. */
static void write_file(const char *path, const char *text)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return;
    }
    write_all(fd, text, strlen(text));
    close(fd);
    rename(tmp, path);
}

/* k8s-file: one record per line of output; a line the chunk ends in the middle of is a partial record (P). */
static void log_output(int stream, const char *data, size_t len)
{
    static char record[CHUNK * 2 + 4096];
    struct timespec now;
    struct tm tm;
    char stamp[64];
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    size_t s = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + s, sizeof stamp - s, ".%09ldZ %s ", now.tv_nsec, stream == 2 ? "stdout" : "stderr");

    size_t used = 0;
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t line = nl ? (size_t)(nl - data) : len;
        size_t need = strlen(stamp) + 2 + line + 1;
        if (used + need > sizeof record) {
            write_all(log_fd, record, used);
            used = 0;
        }
        used += sprintf(record + used, "%s%c ", stamp, nl ? 'F' : 'P');
        memcpy(record + used, data, line);
        used += line;
        record[used++] = '\n';
        data += line + (nl ? 1 : 0);
        len -= line + (nl ? 1 : 0);
    }
    write_all(log_fd, record, used);
}

static void drop_client(int i)
{
    close(clients[i].fd);
    clients[i].fd = -1;
}

static void close_stdin(void)
{
    if (stdin_fd >= 0) {
        close(stdin_fd);
        stdin_fd = -1;
    }
}

static void forward_output(int stream, const char *data, size_t len)
{
    char message[CHUNK + 1];
    log_output(stream, data, len);
    message[0] = (char)stream;
    memcpy(message + 1, data, len);
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (clients[i].fd >= 0 && send(clients[i].fd, message, len + 1, MSG_NOSIGNAL) < 0) {
            drop_client(i); /* gone, or stuck for longer than its send timeout */
        }
    }
}

static void accept_client(void)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        return;
    }
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (clients[i].fd < 0) {
            struct timeval timeout = {.tv_sec = 10};
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
            clients[i].fd = fd;
            clients[i].input_done = 0;
            attached = 1;
            return;
        }
    }
    close(fd);
}

static void read_client(int i)
{
    char buffer[CHUNK + 1];
    ssize_t n = recv(clients[i].fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR) {
            drop_client(i);
        }
        return;
    }
    if (n == 0) {
        /* The client's input ended (docker: the container's stdin closes with it); it may still read output. */
        clients[i].input_done = 1;
        close_stdin();
        return;
    }
    if (stdin_fd >= 0 && write_all(stdin_fd, buffer, n) < 0) {
        close_stdin();
    }
}

/* The pseudo-terminal's master, which the runtime sends over the console socket (SCM_RIGHTS). */
static void receive_terminal(void)
{
    int fd = accept4(console_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        return;
    }
    char name[256];
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = name, .iov_len = sizeof name};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    if (recvmsg(fd, &msg, MSG_CMSG_CLOEXEC) >= 0) {
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
            memcpy(&out_fd[0], CMSG_DATA(cmsg), sizeof(int));
            stdin_fd = opt.stdin_open ? dup(out_fd[0]) : -1;
        }
    }
    close(fd);
    close(console_fd);
    console_fd = -1;
    unlink(console_path);
}

static int listen_unix(const char *path, int type)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 16) < 0) {
        return -1;
    }
    return fd;
}

/* The runtime's own error, from the end of its log (JSON lines); the daemon picks the last message out. */
static void report_runtime_failure(int status)
{
    char text[3000] = "";
    int fd = open(opt.runtime_log, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        off_t size = lseek(fd, 0, SEEK_END);
        lseek(fd, size > (off_t)sizeof text - 1 ? size - (off_t)(sizeof text - 1) : 0, SEEK_SET);
        ssize_t n = read(fd, text, sizeof text - 1);
        text[n > 0 ? n : 0] = 0;
        close(fd);
    }
    report("error %s", text[0] ? text : WIFEXITED(status) ? "the runtime failed without saying why" : "the runtime was killed");
}

static pid_t start_runtime(void)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) {
        fail("open /dev/null");
    }
    if (!opt.tty) {
        if ((opt.stdin_open && pipe2(in, O_CLOEXEC) < 0) || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
            fail("pipe");
        }
    }

    const char *argv[32];
    int argc = 0;
    argv[argc++] = opt.runtime;
    argv[argc++] = "--root";
    argv[argc++] = opt.root;
    argv[argc++] = "--log";
    argv[argc++] = opt.runtime_log;
    argv[argc++] = "--log-format";
    argv[argc++] = "json";
    argv[argc++] = "run";
    argv[argc++] = "-d";
    argv[argc++] = "-b";
    argv[argc++] = opt.bundle;
    argv[argc++] = "--pid-file";
    argv[argc++] = opt.pid_file;
    if (opt.tty) {
        argv[argc++] = "--console-socket";
        argv[argc++] = console_path;
    }
    argv[argc++] = opt.id;
    argv[argc] = NULL;

    int ns_fd = -1;
    if (opt.mount_ns && (ns_fd = open(opt.mount_ns, O_RDONLY | O_CLOEXEC)) < 0) {
        fail("open the runtime's mount namespace");
    }

    pid_t pid = fork();
    if (pid < 0) {
        fail("fork");
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        dup2(opt.tty ? null_fd : (opt.stdin_open ? in[0] : null_fd), 0);
        dup2(opt.tty ? null_fd : out[1], 1);
        dup2(opt.tty ? null_fd : err[1], 2);
        if (ns_fd >= 0 && setns(ns_fd, CLONE_NEWNS) < 0) {
            dprintf(2, "setns: %s\n", strerror(errno));
            _exit(126);
        }
        execv(opt.runtime, (char *const *)argv);
        int fd = open(opt.runtime_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        dprintf(fd, "{\"msg\":\"cannot run %s: %s\",\"level\":\"error\"}\n", opt.runtime, strerror(errno));
        _exit(127);
    }

    close(null_fd);
    if (ns_fd >= 0) {
        close(ns_fd);
    }
    if (!opt.tty) {
        if (opt.stdin_open) {
            close(in[0]);
            stdin_fd = in[1];
        }
        close(out[1]);
        close(err[1]);
        out_fd[0] = out[0];
        out_fd[1] = err[0];
    }
    return pid;
}

static pid_t read_pid_file(void)
{
    char text[32] = "";
    int fd = open(opt.pid_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    text[n > 0 ? n : 0] = 0;
    return (pid_t)atoi(text);
}

/* The OOM killer's count in the container's memory cgroup: "oom_kill N" (v1 memory.oom_control, v2 memory.events). */
static int oom_killed(void)
{
    char text[1024] = "";
    if (!opt.oom_counter) {
        return 0;
    }
    int fd = open(opt.oom_counter, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    text[n > 0 ? n : 0] = 0;
    const char *at = strstr(text, "oom_kill ");
    return at && atol(at + strlen("oom_kill ")) > 0;
}

static void parse_args(int argc, char **argv)
{
    static const struct option options[] = {
        {"runtime", required_argument, 0, 'r'}, {"root", required_argument, 0, 'R'}, {"id", required_argument, 0, 'c'},
        {"bundle", required_argument, 0, 'b'}, {"pid-file", required_argument, 0, 'p'},
        {"monitor-pid-file", required_argument, 0, 'P'}, {"log", required_argument, 0, 'l'},
        {"runtime-log", required_argument, 0, 'L'}, {"socket", required_argument, 0, 's'},
        {"exit-file", required_argument, 0, 'e'}, {"exit-notify", required_argument, 0, 'n'},
        {"oom-file", required_argument, 0, 'o'}, {"oom-counter", required_argument, 0, 'O'},
        {"mount-ns", required_argument, 0, 'm'}, {"stdin", no_argument, 0, 'i'}, {"tty", no_argument, 0, 't'},
        {"wait-attach", no_argument, 0, 'a'}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'r': opt.runtime = optarg; break;
        case 'R': opt.root = optarg; break;
        case 'c': opt.id = optarg; break;
        case 'b': opt.bundle = optarg; break;
        case 'p': opt.pid_file = optarg; break;
        case 'P': opt.monitor_pid_file = optarg; break;
        case 'l': opt.log = optarg; break;
        case 'L': opt.runtime_log = optarg; break;
        case 's': opt.socket = optarg; break;
        case 'e': opt.exit_file = optarg; break;
        case 'n': opt.exit_notify = optarg; break;
        case 'o': opt.oom_file = optarg; break;
        case 'O': opt.oom_counter = optarg; break;
        case 'm': opt.mount_ns = optarg; break;
        case 'i': opt.stdin_open = 1; break;
        case 't': opt.tty = 1; break;
        case 'a': opt.wait_attach = 1; break;
        default: errno = EINVAL; fail("usage");
        }
    }
    if (!opt.runtime || !opt.root || !opt.id || !opt.bundle || !opt.pid_file || !opt.monitor_pid_file || !opt.log ||
        !opt.runtime_log || !opt.socket || !opt.exit_file || !opt.exit_notify || !opt.oom_file) {
        errno = EINVAL;
        fail("a required option is missing");
    }
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    fcntl(SYNC_FD, F_SETFD, FD_CLOEXEC); /* neither the runtime nor the container may hold the daemon's pipe */

    pid_t first = fork();
    if (first < 0) {
        fail("fork");
    }
    if (first > 0) {
        _exit(0); /* the daemon reaps this one; the monitor is nobody's child from here on */
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        fail("become a subreaper");
    }
    if (chdir("/") < 0) {
        fail("chdir /"); /* hold no directory of the daemon's busy */
    }
    char text[64];
    snprintf(text, sizeof text, "%d", getpid());
    write_file(opt.monitor_pid_file, text);

    for (int i = 0; i < MAX_CLIENTS; i++) {
        clients[i].fd = -1;
    }
    if ((log_fd = open(opt.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0) {
        fail("open the log");
    }
    if ((listen_fd = listen_unix(opt.socket, SOCK_SEQPACKET)) < 0) {
        fail("listen on the attach socket");
    }
    if (opt.tty) {
        snprintf(console_path, sizeof console_path, "%s.tty", opt.socket);
        if (strlen(opt.socket) + 4 >= sizeof console_path || (console_fd = listen_unix(console_path, SOCK_STREAM)) < 0) {
            fail("listen on the console socket");
        }
    }

    sigset_t child;
    sigemptyset(&child);
    sigaddset(&child, SIGCHLD);
    sigprocmask(SIG_BLOCK, &child, NULL);
    int signal_fd = signalfd(-1, &child, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd < 0) {
        fail("signalfd");
    }

    /* Whether output waits for the daemon's attach: until its first client, or until the daemon closes the pipe. */
    int holding = opt.wait_attach, sync_open = 1;
    if (opt.wait_attach) {
        report("attach");
    }
    unlink(opt.runtime_log); /* the runtime appends; a failure must report this run's error only */
    pid_t runtime = start_runtime();

    /* Processes reaped before the runtime named the container's pid (it may exit before the runtime does). */
    pid_t reaped[16];
    int reaped_status[16], reaped_count = 0;
    pid_t container = 0;
    int status = 0, exited = 0;
    struct timespec exited_at = {0};

    while (1) {
        struct pollfd fds[6 + MAX_CLIENTS];
        int n = 0;
        fds[n++] = (struct pollfd){.fd = signal_fd, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = console_fd, .events = POLLIN};
        /* Output is read once the runtime has succeeded (what it says on stderr when it fails is not the
           container's) and the daemon has attached; the pipes hold what the container writes until then. */
        fds[n++] = (struct pollfd){.fd = runtime || holding ? -1 : out_fd[0], .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = runtime || holding ? -1 : out_fd[1], .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = sync_open ? SYNC_FD : -1, .events = 0};
        for (int i = 0; i < MAX_CLIENTS; i++) {
            fds[n++] = (struct pollfd){.fd = clients[i].fd, .events = clients[i].input_done ? 0 : POLLIN};
        }

        if (exited && out_fd[0] < 0 && out_fd[1] < 0) {
            break;
        }
        int timeout = -1;
        if (exited && !holding) {
            /* Output still open after the container ended: something it left holds it; stop waiting after 2 s. */
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long waited = (now.tv_sec - exited_at.tv_sec) * 1000 + (now.tv_nsec - exited_at.tv_nsec) / 1000000;
            if (waited >= 2000) {
                break;
            }
            timeout = 2000 - waited;
        }
        if (poll(fds, n, timeout) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }

        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo info;
            while (read(signal_fd, &info, sizeof info) > 0) {
            }
            int st;
            pid_t pid;
            while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
                if (pid == runtime) {
                    runtime = 0;
                    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || (container = read_pid_file()) <= 0) {
                        report_runtime_failure(st);
                        unlink(opt.monitor_pid_file);
                        unlink(opt.socket);
                        if (console_path[0]) {
                            unlink(console_path);
                        }
                        return 1;
                    }
                    report("pid %d", container);
                    if (!holding) {
                        close(SYNC_FD);
                        sync_open = 0;
                    }
                    for (int i = 0; i < reaped_count; i++) {
                        if (reaped[i] == container) {
                            status = reaped_status[i];
                            exited = 1;
                        }
                    }
                } else if (container > 0 && pid == container) {
                    status = st;
                    exited = 1;
                } else if (container == 0 && reaped_count < 16) {
                    reaped[reaped_count] = pid;
                    reaped_status[reaped_count++] = st;
                }
            }
            if (exited && exited_at.tv_sec == 0) {
                clock_gettime(CLOCK_MONOTONIC, &exited_at);
                close_stdin();
            }
        }
        if (fds[1].revents & POLLIN) {
            accept_client();
        }
        if (holding && (attached || (fds[5].revents & (POLLERR | POLLHUP)))) {
            holding = 0;
            if (exited) {
                clock_gettime(CLOCK_MONOTONIC, &exited_at); /* the drain below starts now */
            }
        }
        if (sync_open && !holding && !runtime) {
            close(SYNC_FD);
            sync_open = 0;
        }
        if (fds[2].revents & POLLIN) {
            receive_terminal();
        }
        for (int s = 0; s < 2; s++) {
            if (fds[3 + s].revents & (POLLIN | POLLHUP | POLLERR)) {
                char buffer[CHUNK];
                ssize_t got = read(out_fd[s], buffer, sizeof buffer);
                if (got > 0) {
                    forward_output(2 + s, buffer, got);
                } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                    /* EOF, or EIO from a terminal whose last user is gone */
                    close(out_fd[s]);
                    if (s == 0 && opt.tty) {
                        close_stdin();
                    }
                    out_fd[s] = -1;
                }
            }
        }
        for (int i = 0; i < MAX_CLIENTS; i++) {
            if (clients[i].fd < 0) {
                continue;
            }
            short revents = fds[6 + i].revents;
            if (revents & POLLIN) {
                read_client(i);
            } else if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
                drop_client(i);
            }
        }
    }

    int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
    if (oom_killed()) {
        write_file(opt.oom_file, "");
    }
    snprintf(text, sizeof text, "%d", code);
    write_file(opt.exit_file, text);
    write_file(opt.exit_notify, text);
    /* Attached clients see their stream end only now, when the exit code is there to be read. */
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (clients[i].fd >= 0) {
            /* Input left unread would make the close a reset, which may cost the client output it has not read. */
            char buffer[CHUNK + 1];
            while (recv(clients[i].fd, buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
            }
            shutdown(clients[i].fd, SHUT_RDWR);
            drop_client(i);
        }
    }
    close(log_fd);
    return 0;
}
