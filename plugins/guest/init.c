/*
 * PID 1 of a Flotilla VM: one container's command, run once, and the processes exec'd beside it.
 *
 * It loads the kernel modules the initramfs lists, mounts the container's root filesystem and volumes from the host,
 * runs the command with the container's argv, env, workdir and uid:gid, streams its output to the host over one
 * byte stream, reports the exit code on it and powers the VM off. The per-run configuration comes in /flotilla/
 * (a cpio appended to the initramfs), never on the kernel command line, whose quoting the kernel does not keep.
 *
 * Channel frames (docker's multiplexed header): byte 0 type, bytes 1-3 zero, bytes 4-7 big-endian payload length.
 *   0 stdin, 5 stdin-closed, 4 signal (4-byte big-endian number)           host -> guest
 *   1 stdout, 2 stderr, 3 exit (4-byte big-endian code, the last frame)     guest -> host
 * An empty stdout frame is sent once the command has started: the host's boot watchdog stops there.
 *
 * Exec sessions run on a second port (flotilla.exec), in the same frames with bytes 1-3 the session id the host
 * chose (never 0): host -> guest 6 exec (the request, see start_exec), then stdin, stdin-closed, signal for that
 * session; guest -> host an empty stdout once it runs, its stdout, stderr and, last, its exit. An exec's frames are at most 32 KiB, so each is
 * one write to the port and a host that reconnects (a restarted daemon) never sees half of one. /flotilla/tty, when
 * present, puts the command on a terminal (as an exec's tty field does): its output all comes as stdout.
 *
 * Kernel command line (all optional):
 *   flotilla.channel=virtio:NAME  the virtio-console port named NAME (default virtio:flotilla.io)
 *   flotilla.channel=vsock:PORT   a vsock stream to the host (CID 2) on PORT (Hyper-V's hvsocket, Apple's vsock)
 *   flotilla.exec=virtio:NAME     the virtio-console port named NAME that carries exec sessions (default: none)
 *   flotilla.fs=9p|virtiofs       how the shares in /flotilla/mounts are mounted (default 9p)
 *   flotilla.debugexit=0xPORT     power off through QEMU's isa-debug-exit at that I/O port (default: reboot(2))
 *
 * Initramfs layout it relies on: /lib/flotilla/modules.order (one .ko path a line, loaded in that order) and
 * /flotilla/{argv,env,workdir,user,mounts}; optionally /flotilla/net ("ADDRESS PREFIX GATEWAY MTU" for eth0, the
 * gateway "-" for none), /flotilla/hostname, and /flotilla/etc/{hosts,resolv.conf,hostname}, bound over the
 * container's own. Built static (gcc -static) by build-initramfs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <net/route.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

enum { F_STDIN = 0, F_STDOUT = 1, F_STDERR = 2, F_EXIT = 3, F_SIGNAL = 4, F_STDIN_CLOSED = 5, F_EXEC = 6 };

static int channel = -1;
static unsigned debug_exit_port;
static char cmdline[4096];

/* What went wrong before the command ran: on stderr of the channel if there is one, else on the console. */
static void fail(int code, const char *fmt, ...);

static void power_off(int code)
{
    sync();
    if (debug_exit_port && ioperm(debug_exit_port, 4, 1) == 0)
        outl((unsigned)code, debug_exit_port);
    reboot(RB_POWER_OFF);
    for (;;)
        pause();
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void send_frame(int type, const void *data, uint32_t len)
{
    unsigned char head[8] = { (unsigned char)type, 0, 0, 0 };
    put_be32(head + 4, len);
    if (channel < 0)
        return;
    /* A blocking write on a virtio port returns once the host has taken the data: nothing is lost at power-off. */
    if (write_all(channel, head, 8) < 0 || (len && write_all(channel, data, len) < 0))
        channel = -1;
}

static void send_exit(int code)
{
    unsigned char payload[4];
    put_be32(payload, (uint32_t)code);
    send_frame(F_EXIT, payload, 4);
}

static void fail(int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg - 2, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if (n > (int)sizeof msg - 2)
        n = sizeof msg - 2;
    msg[n++] = '\n';
    if (channel >= 0)
        send_frame(F_STDERR, msg, (uint32_t)n);
    else
        write_all(2, msg, (size_t)n);
    send_exit(code);
    power_off(code);
}

/* Reads a whole small file; returns its length, or -1. The buffer is NUL-terminated. */
static ssize_t read_file(const char *path, char **out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 1 >= cap)
            buf = realloc(buf, cap *= 2);
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = 0;
    *out = buf;
    return (ssize_t)len;
}

/* Splits a NUL-separated file into a NULL-terminated vector. */
static char **split_nul(char *buf, ssize_t len)
{
    size_t count = 0;
    for (ssize_t i = 0; i < len; i++)
        if (buf[i] == 0)
            count++;
    if (len > 0 && buf[len - 1] != 0)
        count++;
    char **v = calloc(count + 1, sizeof *v);
    size_t k = 0;
    for (ssize_t i = 0; i < len && k < count;) {
        v[k++] = buf + i;
        i += (ssize_t)strlen(buf + i) + 1;
    }
    return v;
}

static const char *cmdline_value(const char *key)
{
    static char value[256];
    size_t klen = strlen(key);
    for (char *p = cmdline; (p = strstr(p, key)) != NULL; p += klen) {
        if ((p == cmdline || isspace((unsigned char)p[-1])) && p[klen] == '=') {
            const char *v = p + klen + 1;
            size_t n = strcspn(v, " \t\n");
            if (n >= sizeof value)
                n = sizeof value - 1;
            memcpy(value, v, n);
            value[n] = 0;
            return value;
        }
    }
    return NULL;
}

static void mkdir_p(const char *path, mode_t mode)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            mkdir(tmp, mode);
            *p = '/';
        }
    }
    mkdir(tmp, mode);
}

static void load_modules(void)
{
    char *list;
    if (read_file("/lib/flotilla/modules.order", &list) < 0)
        return;
    for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
        if (!*line)
            continue;
        int fd = open(line, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            fail(125, "flotilla-init: cannot open module %s: %s", line, strerror(errno));
        if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
            fail(125, "flotilla-init: cannot load module %s: %s", line, strerror(errno));
        close(fd);
    }
    free(list);
}

/* Finds /dev/vportNpM whose /sys/class/virtio-ports/vportNpM/name is NAME. The port appears once its driver probed. */
static int open_virtio_port(const char *name)
{
    for (int attempt = 0; attempt < 2000; attempt++) {
        DIR *d = opendir("/sys/class/virtio-ports");
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[512], *got;
            snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", e->d_name);
            if (read_file(path, &got) < 0)
                continue;
            got[strcspn(got, "\n")] = 0;
            int match = strcmp(got, name) == 0;
            free(got);
            if (match) {
                snprintf(path, sizeof path, "/dev/%s", e->d_name);
                closedir(d);
                return open(path, O_RDWR | O_CLOEXEC);
            }
        }
        if (d)
            closedir(d);
        usleep(1000);
    }
    errno = ENOENT;
    return -1;
}

static int open_vsock(unsigned port)
{
    struct sockaddr_vm addr = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_HOST, .svm_port = port };
    for (int attempt = 0; attempt < 2000; attempt++) {
        int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0)
            return fd;
        if (fd >= 0)
            close(fd);
        usleep(1000);
    }
    return -1;
}

static void open_channel(void)
{
    const char *spec = cmdline_value("flotilla.channel");
    if (!spec)
        spec = "virtio:flotilla.io";
    if (strncmp(spec, "virtio:", 7) == 0)
        channel = open_virtio_port(spec + 7);
    else if (strncmp(spec, "vsock:", 6) == 0)
        channel = open_vsock((unsigned)strtoul(spec + 6, NULL, 10));
    else
        fail(125, "flotilla-init: unknown flotilla.channel=%s", spec);
    if (channel < 0)
        fail(125, "flotilla-init: cannot open the channel %s: %s", spec, strerror(errno));
}

/* Mounts every share of /flotilla/mounts ("TAG TARGET ro|rw"); the share tagged rootfs becomes /newroot first. */
static void mount_shares(const char *fstype)
{
    char *list;
    if (read_file("/flotilla/mounts", &list) < 0)
        fail(125, "flotilla-init: /flotilla/mounts is missing from the per-run configuration");
    const char *data = strcmp(fstype, "9p") == 0 ? "trans=virtio,version=9p2000.L,msize=262144,cache=loose" : "";
    const char *type = strcmp(fstype, "9p") == 0 ? "9p" : "virtiofs";
    for (int pass = 0; pass < 2; pass++) {
        char *copy = strdup(list);
        for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
            char tag[256], target[3072], mode[8];
            if (sscanf(line, "%255s %3071s %7s", tag, target, mode) != 3)
                fail(125, "flotilla-init: bad line in /flotilla/mounts: %s", line);
            int is_root = strcmp(tag, "rootfs") == 0;
            if (is_root != (pass == 0))
                continue;
            char where[4096];
            snprintf(where, sizeof where, "/newroot%s", is_root ? "" : target);
            mkdir_p(where, 0755);
            unsigned long flags = strcmp(mode, "ro") == 0 ? MS_RDONLY : 0;
            if (mount(tag, where, type, flags, data) != 0)
                fail(125, "flotilla-init: cannot mount share %s on %s (%s): %s", tag, target, type, strerror(errno));
        }
        free(copy);
    }
    free(list);
}

static void interface_up(int sock, const char *name, unsigned mtu)
{
    struct ifreq ifr = { 0 };
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    if (mtu) {
        ifr.ifr_mtu = (int)mtu;
        if (ioctl(sock, SIOCSIFMTU, &ifr) != 0)
            fail(125, "flotilla-init: cannot set the MTU of %s to %u: %s", name, mtu, strerror(errno));
    }
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0)
        fail(125, "flotilla-init: no network interface %s: %s", name, strerror(errno));
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0)
        fail(125, "flotilla-init: cannot bring %s up: %s", name, strerror(errno));
}

static void set_ipv4(struct sockaddr *sa, const char *text, const char *what)
{
    struct sockaddr_in *in = (struct sockaddr_in *)sa;
    in->sin_family = AF_INET;
    if (inet_pton(AF_INET, text, &in->sin_addr) != 1)
        fail(125, "flotilla-init: bad %s %s in /flotilla/net", what, text);
}

/* Loopback always; eth0 (the virtio-net card the host bridged to the container's network) when /flotilla/net says how. */
static void configure_network(void)
{
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        fail(125, "flotilla-init: socket: %s", strerror(errno));
    interface_up(sock, "lo", 0);
    char *conf;
    if (read_file("/flotilla/net", &conf) < 0) {
        close(sock);
        return;
    }
    char address[64], gateway[64];
    unsigned prefix, mtu;
    if (sscanf(conf, "%63s %u %63s %u", address, &prefix, gateway, &mtu) != 4 || prefix > 32)
        fail(125, "flotilla-init: bad /flotilla/net: %s", conf);
    /* The driver registers eth0 as it probes, which module loading has done; a slow probe gets two seconds. */
    for (int attempt = 0; attempt < 2000 && if_nametoindex("eth0") == 0; attempt++)
        usleep(1000);
    struct ifreq ifr = { 0 };
    snprintf(ifr.ifr_name, IFNAMSIZ, "eth0");
    set_ipv4(&ifr.ifr_addr, address, "address");
    if (ioctl(sock, SIOCSIFADDR, &ifr) != 0)
        fail(125, "flotilla-init: cannot give eth0 the address %s: %s", address, strerror(errno));
    ((struct sockaddr_in *)&ifr.ifr_netmask)->sin_family = AF_INET;
    ((struct sockaddr_in *)&ifr.ifr_netmask)->sin_addr.s_addr = prefix ? htonl(~0u << (32 - prefix)) : 0;
    if (ioctl(sock, SIOCSIFNETMASK, &ifr) != 0)
        fail(125, "flotilla-init: cannot set eth0's netmask /%u: %s", prefix, strerror(errno));
    interface_up(sock, "eth0", mtu);
    if (strcmp(gateway, "-") != 0) {
        struct rtentry rt = { 0 };
        set_ipv4(&rt.rt_dst, "0.0.0.0", "destination");
        set_ipv4(&rt.rt_genmask, "0.0.0.0", "netmask");
        set_ipv4(&rt.rt_gateway, gateway, "gateway");
        rt.rt_flags = RTF_UP | RTF_GATEWAY;
        rt.rt_dev = "eth0";
        if (ioctl(sock, SIOCADDRT, &rt) != 0)
            fail(125, "flotilla-init: cannot add the default route via %s: %s", gateway, strerror(errno));
    }
    free(conf);
    close(sock);
}

/* The hostname, and /etc/{hosts,resolv.conf,hostname} bound over the container's own files as a namespace container's are. */
static void apply_identity(void)
{
    char *name;
    if (read_file("/flotilla/hostname", &name) >= 0) {
        name[strcspn(name, "\n")] = 0;
        if (*name && sethostname(name, strlen(name)) != 0)
            fail(125, "flotilla-init: cannot set the hostname %s: %s", name, strerror(errno));
        free(name);
    }
    static const char *const files[] = { "hosts", "resolv.conf", "hostname" };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char source[64], target[64];
        snprintf(source, sizeof source, "/flotilla/etc/%s", files[i]);
        snprintf(target, sizeof target, "/newroot/etc/%s", files[i]);
        if (access(source, F_OK) != 0)
            continue;
        mkdir_p("/newroot/etc", 0755);
        int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0)
            close(fd);
        if (mount(source, target, NULL, MS_BIND, NULL) != 0)
            fail(125, "flotilla-init: cannot bind %s over %s: %s", source, target + 8, strerror(errno));
    }
}

static void mount_kernel_filesystems(void)
{
    mkdir_p("/newroot/proc", 0555);
    mkdir_p("/newroot/sys", 0555);
    mkdir_p("/newroot/dev", 0755);
    mkdir_p("/newroot/tmp", 01777);
    if (mount("proc", "/newroot/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0 ||
        mount("sysfs", "/newroot/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0 ||
        mount("devtmpfs", "/newroot/dev", "devtmpfs", MS_NOSUID, "mode=0755") != 0)
        fail(125, "flotilla-init: cannot mount /proc, /sys or /dev in the container: %s", strerror(errno));
    mkdir_p("/newroot/dev/pts", 0755);
    mkdir_p("/newroot/dev/shm", 01777);
    mount("devpts", "/newroot/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
    /* devtmpfs' ptmx opens the initial devpts instance, which the container does not see: point it at its own. */
    unlink("/newroot/dev/ptmx");
    symlink("pts/ptmx", "/newroot/dev/ptmx");
    mount("shm", "/newroot/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
}

/* The container's command (procs[0], session 0, on the channel) and the exec sessions (on the control port). */
struct proc {
    unsigned session;      /* an exec's id from the host; 0 for the command, and for a free exec slot */
    pid_t pid;
    int in, out, err;      /* our ends; on a terminal, out is its master, in a dup of it, err -1 */
    int code;              /* the exit code once reaped, else -1 */
    long long quiet_since; /* ms: when it exited, or its last output after that */
    unsigned char *pending; /* stdin its pipe has not taken yet: init never blocks on a process that does not read */
    size_t pending_len;
    int close_in;          /* close stdin once pending is written */
};

/* Above this much pending stdin, init stops reading the port that feeds it: the host's writes wait instead. */
enum { MAX_PENDING = 1 << 20 };

enum { MAX_PROCS = 65 };
static struct proc procs[MAX_PROCS];

/* What to run and as whom; argv and env NULL-terminated. */
struct command {
    char **argv, **env;
    const char *workdir;
    unsigned uid, gid;
    int tty;
};

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* A terminal from the container's own devpts instance: the master, and the path of the side the command gets. */
static int open_terminal(char *slave, size_t size)
{
    int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    int unlock = 0, n;
    if (master < 0)
        return -1;
    if (ioctl(master, TIOCSPTLCK, &unlock) != 0 || ioctl(master, TIOCGPTN, &n) != 0) {
        close(master);
        return -1;
    }
    snprintf(slave, size, "/dev/pts/%d", n);
    /* The host cannot pass window size changes yet: a size that full-screen programs can work with. */
    struct winsize ws = { .ws_row = 24, .ws_col = 80 };
    ioctl(master, TIOCSWINSZ, &ws);
    return master;
}

/*
 * Starts a command in the container's root (init's own, after chroot). Returns 0 and fills *p, or the exit code
 * docker gives (127 not found, 126 not runnable, 125 anything else) with why in msg.
 */
static int spawn(const struct command *c, struct proc *p, char *msg, size_t msgsize)
{
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, report[2], master = -1;
    char slave[64] = "";
    if (c->tty ? (master = open_terminal(slave, sizeof slave)) < 0
               : pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
        snprintf(msg, msgsize, "flotilla-init: cannot make the command's %s: %s\n", c->tty ? "terminal" : "pipes", strerror(errno));
        return 125;
    }
    if (pipe2(report, O_CLOEXEC)) { /* the child writes its stage and errno here when it fails */
        snprintf(msg, msgsize, "flotilla-init: pipe: %s\n", strerror(errno));
        return 125;
    }

    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setsid();
        int stage = 0;
        if (c->tty) {
            int s = open(slave, O_RDWR);
            if (s < 0 || ioctl(s, TIOCSCTTY, 0) != 0 || fchown(s, c->uid, (gid_t)-1) != 0)
                stage = 4;
            dup2(s, 0);
            dup2(s, 1);
            dup2(s, 2);
        } else {
            dup2(in[0], 0);
            dup2(out[1], 1);
            dup2(err[1], 2);
        }
        if (!stage && chdir(c->workdir) != 0)
            stage = 3;
        if (!stage && setgroups(0, NULL) != 0 && errno != EPERM)
            stage = 1;
        if (!stage && (setgid(c->gid) != 0 || setuid(c->uid) != 0))
            stage = 1;
        if (!stage) {
            clearenv();
            for (char **e = c->env; *e; e++)
                putenv(*e);
            if (!getenv("PATH"))
                setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
            if (!getenv("HOME"))
                setenv("HOME", "/", 1);
            execvp(c->argv[0], c->argv);
            stage = 2;
        }
        int e[2] = { stage, errno };
        write_all(report[1], e, sizeof e);
        _exit(127);
    }
    int fork_errno = errno;
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&err[1]);
    close(report[1]);
    int e[2] = { 0, fork_errno }, failed = pid < 0 || read(report[0], e, sizeof e) == sizeof e;
    close(report[0]);
    if (failed) {
        if (pid > 0)
            waitpid(pid, NULL, 0);
        close_fd(&in[1]);
        close_fd(&out[0]);
        close_fd(&err[0]);
        close_fd(&master);
        if (pid < 0)
            snprintf(msg, msgsize, "flotilla-init: fork: %s\n", strerror(e[1]));
        else if (e[0] == 1)
            snprintf(msg, msgsize, "flotilla-init: cannot switch to user %u:%u: %s\n", c->uid, c->gid, strerror(e[1]));
        else if (e[0] == 3)
            snprintf(msg, msgsize, "flotilla-init: cannot change to the working directory %s: %s\n", c->workdir, strerror(e[1]));
        else if (e[0] == 4)
            snprintf(msg, msgsize, "flotilla-init: cannot make %s the command's terminal: %s\n", slave, strerror(e[1]));
        else
            snprintf(msg, msgsize, "flotilla-init: cannot run %s: %s\n", c->argv[0], strerror(e[1]));
        return e[0] == 2 && (e[1] == ENOENT || e[1] == ENOTDIR) ? 127 : e[0] == 2 || e[0] == 3 ? 126 : 125;
    }
    p->pid = pid;
    p->code = -1;
    p->in = c->tty ? fcntl(master, F_DUPFD_CLOEXEC, 0) : in[1];
    p->out = c->tty ? master : out[0];
    p->err = c->tty ? -1 : err[0];
    fcntl(p->in, F_SETFL, O_NONBLOCK);
    return 0;
}

static void start_command(void)
{
    char *argv_buf, *env_buf, *workdir = NULL, *user = NULL;
    ssize_t argv_len = read_file("/flotilla/argv", &argv_buf);
    ssize_t env_len = read_file("/flotilla/env", &env_buf);
    if (argv_len <= 0)
        fail(125, "flotilla-init: /flotilla/argv is missing or empty");
    struct command c = { .argv = split_nul(argv_buf, argv_len) };
    c.env = env_len > 0 ? split_nul(env_buf, env_len) : calloc(1, sizeof(char *));
    if (read_file("/flotilla/workdir", &workdir) < 0 || !*workdir)
        workdir = "/";
    workdir[strcspn(workdir, "\n")] = 0;
    c.workdir = workdir;
    if (read_file("/flotilla/user", &user) >= 0 && *user && sscanf(user, "%u:%u", &c.uid, &c.gid) < 1)
        fail(125, "flotilla-init: bad /flotilla/user %s (expected uid:gid)", user);
    c.tty = access("/flotilla/tty", F_OK) == 0;

    if (chroot("/newroot") != 0 || chdir("/") != 0)
        fail(125, "flotilla-init: cannot enter the container's root: %s", strerror(errno));
    /* docker makes the image's working directory when it is missing; an exec's -w must exist. */
    if (chdir(workdir) != 0) {
        mkdir_p(workdir, 0755);
        if (chdir(workdir) != 0)
            fail(125, "flotilla-init: cannot change to the working directory %s: %s", workdir, strerror(errno));
    }
    chdir("/");

    char msg[512];
    int code = spawn(&c, &procs[0], msg, sizeof msg);
    if (code) {
        send_frame(F_STDERR, msg, (uint32_t)strlen(msg));
        send_exit(code);
        power_off(code);
    }
}

/* The control port: exec sessions, multiplexed by the session id in bytes 1-3 of each frame. */
static int control = -1, control_up;

/* A virtio port takes at most 32 KiB a write: a frame that size goes whole or not at all, so frames never tear. */
enum { CONTROL_FRAME = 32 * 1024 };

static void control_hangup(void);

static void send_control(unsigned session, int type, const void *data, uint32_t len)
{
    static unsigned char frame[CONTROL_FRAME];
    if (!control_up)
        return;
    frame[0] = (unsigned char)type;
    frame[1] = (unsigned char)(session >> 16);
    frame[2] = (unsigned char)(session >> 8);
    frame[3] = (unsigned char)session;
    put_be32(frame + 4, len);
    memcpy(frame + 8, data, len);
    size_t done = 0, total = 8 + len;
    while (done < total) {
        ssize_t n = write(control, frame + done, total - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        struct pollfd p = { control, POLLOUT, 0 };
        if (n < 0 && (errno == EINTR || (errno == EAGAIN && poll(&p, 1, -1) >= 0 && !(p.revents & POLLHUP))))
            continue;
        control_hangup();
        return;
    }
}

static void send_to(const struct proc *p, int type, const void *data, uint32_t len)
{
    if (p == &procs[0])
        send_frame(type, data, len);
    else
        send_control(p->session, type, data, len);
}

static void send_code(const struct proc *p, int code)
{
    unsigned char payload[4];
    put_be32(payload, (uint32_t)code);
    send_to(p, F_EXIT, payload, 4);
}

static void drop_input(struct proc *p)
{
    close_fd(&p->in);
    free(p->pending);
    p->pending = NULL;
    p->pending_len = 0;
    p->close_in = 0;
}

/* Writes what the process' stdin pipe takes now and keeps the rest for when poll says it has room. */
static void feed(struct proc *p, const unsigned char *data, size_t len)
{
    if (p->in < 0)
        return;
    if (!p->pending_len) {
        ssize_t n = write(p->in, data, len);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            drop_input(p); /* it closed its stdin */
            return;
        }
        if (n > 0) {
            data += n;
            len -= (size_t)n;
        }
    }
    if (len) {
        p->pending = realloc(p->pending, p->pending_len + len);
        memcpy(p->pending + p->pending_len, data, len);
        p->pending_len += len;
    }
}

static void flush_input(struct proc *p)
{
    ssize_t n = write(p->in, p->pending, p->pending_len);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        drop_input(p);
        return;
    }
    if (n > 0) {
        memmove(p->pending, p->pending + n, p->pending_len - (size_t)n);
        p->pending_len -= (size_t)n;
    }
    if (!p->pending_len && p->close_in)
        drop_input(p);
}

static void release(struct proc *p)
{
    drop_input(p);
    close_fd(&p->out);
    close_fd(&p->err);
    p->session = 0;
}

/* Host -> guest frames, reassembled: a frame may arrive in pieces. */
struct input {
    unsigned char data[65536 + 8];
    size_t len;
};
static struct input channel_input, control_input;

/* The host went (the daemon stopped): its exec sessions end as a terminal's would, with a hangup. */
static void control_hangup(void)
{
    control_up = 0;
    control_input.len = 0;
    for (int i = 1; i < MAX_PROCS; i++) {
        if (procs[i].session) {
            if (procs[i].code < 0)
                kill(-procs[i].pid, SIGHUP);
            release(&procs[i]);
        }
    }
}

/*
 * An exec request's payload, NUL-separated: tty (0|1), uid, gid, workdir, argc, the argc arguments, then the whole
 * environment (the host merges the container's and the exec's).
 */
static void start_exec(unsigned session, const unsigned char *data, uint32_t len)
{
    struct proc probe = { .session = session }, *p = NULL;
    for (int i = 1; i < MAX_PROCS && !p; i++)
        if (!procs[i].session)
            p = &procs[i];
    if (!p) {
        const char *why = "flotilla-init: too many exec sessions are running in this container (64)\n";
        send_control(session, F_STDERR, why, (uint32_t)strlen(why));
        unsigned char payload[4];
        put_be32(payload, 125);
        send_control(session, F_EXIT, payload, 4);
        return;
    }
    char *copy = malloc(len + 1), msg[512];
    memcpy(copy, data, len);
    copy[len] = 0;
    char **f = split_nul(copy, len);
    size_t n = 0;
    while (f[n])
        n++;
    long argc = n >= 5 ? strtol(f[4], NULL, 10) : 0;
    int code = 125;
    if (argc < 1 || (size_t)argc > n - 5) {
        snprintf(msg, sizeof msg, "flotilla-init: a malformed exec request (%zu fields)\n", n);
    } else {
        struct command c = {
            .argv = calloc((size_t)argc + 1, sizeof(char *)), .env = f + 5 + argc, .workdir = f[3],
            .uid = (unsigned)strtoul(f[1], NULL, 10), .gid = (unsigned)strtoul(f[2], NULL, 10), .tty = strcmp(f[0], "1") == 0,
        };
        memcpy(c.argv, f + 5, (size_t)argc * sizeof(char *));
        code = spawn(&c, &probe, msg, sizeof msg);
        free(c.argv);
    }
    free(f);
    free(copy);
    if (code) {
        send_control(session, F_STDERR, msg, (uint32_t)strlen(msg));
        unsigned char payload[4];
        put_be32(payload, (uint32_t)code);
        send_control(session, F_EXIT, payload, 4);
        return;
    }
    *p = probe;
    send_control(session, F_STDOUT, "", 0); /* started: the host stops waiting for an answer */
}

static void handle_input(struct input *buf, int from_control)
{
    while (buf->len >= 8) {
        uint32_t len = get_be32(buf->data + 4);
        if (len > sizeof buf->data - 8) {
            /* Never sent by Flotilla hosts (they cut stdin into 64 KiB frames): drop what came. */
            buf->len = 0;
            return;
        }
        if (buf->len < 8 + len)
            return;
        unsigned char type = buf->data[0];
        unsigned session = (unsigned)buf->data[1] << 16 | (unsigned)buf->data[2] << 8 | buf->data[3];
        const unsigned char *payload = buf->data + 8;
        struct proc *r = NULL;
        if (!from_control)
            r = &procs[0];
        else
            for (int i = 1; i < MAX_PROCS && !r; i++)
                if (session && procs[i].session == session)
                    r = &procs[i];
        if (from_control && type == F_EXEC && session)
            start_exec(session, payload, len);
        else if (r && type == F_STDIN) {
            feed(r, payload, len);
        } else if (r && type == F_STDIN_CLOSED) {
            if (r->pending_len)
                r->close_in = 1;
            else
                drop_input(r);
        } else if (r && type == F_SIGNAL && len == 4 && r->code < 0) {
            kill(r->pid, (int)get_be32(payload));
        }
        memmove(buf->data, buf->data + 8 + len, buf->len - 8 - len);
        buf->len -= 8 + len;
    }
}

static int wait_status_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 255;
}

/* Runs until the container's command has exited and its output is read; returns its exit code. */
static int supervise(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGIO);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    static char buf[65536];
    for (;;) {
        /* A process that exited is done once its pipes close, or once they have been quiet for 100 ms: its
         * background children may keep them open. */
        int timeout = -1;
        long long now = now_ms();
        for (int i = 0; i < MAX_PROCS; i++) {
            struct proc *p = &procs[i];
            if ((i && !p->session) || p->code < 0)
                continue;
            long long left = p->out < 0 && p->err < 0 ? 0 : 100 - (now - p->quiet_since);
            if (left <= 0) {
                if (i == 0)
                    return p->code;
                send_code(p, p->code);
                release(p);
            } else if (timeout < 0 || left < timeout) {
                timeout = (int)left;
            }
        }

        enum { OUT, ERR, IN };
        struct pollfd fds[3 + 3 * MAX_PROCS];
        int owner[3 + 3 * MAX_PROCS], kind[3 + 3 * MAX_PROCS], n = 3, exec_full = 0;
        for (int i = 0; i < MAX_PROCS; i++) {
            struct proc *p = &procs[i];
            if (i && !p->session)
                continue;
            int fd[3] = { p->out, p->err, p->pending_len ? p->in : -1 };
            for (int k = OUT; k <= IN; k++) {
                if (fd[k] >= 0) {
                    owner[n] = i;
                    kind[n] = k;
                    fds[n++] = (struct pollfd){ fd[k], k == IN ? POLLOUT : POLLIN, 0 };
                }
            }
            exec_full |= i && p->pending_len > MAX_PENDING;
        }
        fds[0] = (struct pollfd){ procs[0].pending_len > MAX_PENDING ? -1 : channel, POLLIN, 0 };
        fds[1] = (struct pollfd){ sfd, POLLIN, 0 };
        fds[2] = (struct pollfd){ control_up && !exec_full ? control : -1, POLLIN, 0 };
        if (poll(fds, (nfds_t)n, timeout) < 0)
            continue;
        now = now_ms();
        for (int k = 3; k < n; k++) {
            struct proc *p = &procs[owner[k]];
            int *fd = kind[k] == OUT ? &p->out : kind[k] == ERR ? &p->err : &p->in;
            if (!fds[k].revents || *fd != fds[k].fd || (owner[k] && !p->session))
                continue;
            if (kind[k] == IN) {
                flush_input(p);
                continue;
            }
            /* Execs' frames must fit one write to the control port. */
            size_t room = p == &procs[0] ? sizeof buf : CONTROL_FRAME - 8;
            ssize_t got = read(*fd, buf, room);
            if (got > 0) {
                send_to(p, kind[k] == OUT ? F_STDOUT : F_STDERR, buf, (uint32_t)got);
                if (p->code >= 0)
                    p->quiet_since = now;
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                close_fd(fd); /* end of file, or EIO: a terminal whose every user is gone */
            }
        }
        if (fds[0].revents & POLLIN) {
            ssize_t got = read(channel, channel_input.data + channel_input.len, sizeof channel_input.data - channel_input.len);
            if (got > 0) {
                channel_input.len += (size_t)got;
                handle_input(&channel_input, 0);
            }
        }
        if (fds[2].revents) {
            /* A port the host is not connected to polls readable and hung up, and reads end of file. */
            ssize_t got = read(control, control_input.data + control_input.len, sizeof control_input.data - control_input.len);
            if (got > 0) {
                control_input.len += (size_t)got;
                handle_input(&control_input, 1);
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                control_hangup();
            }
        }
        if (fds[1].revents) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == sizeof si)
                if (si.ssi_signo == SIGIO && control >= 0)
                    control_up = 1; /* the host connected (or went): the next poll tells which */
            int status;
            pid_t w;
            /* PID 1 reaps every orphan; only its own processes' statuses are reported. */
            while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
                for (int i = 0; i < MAX_PROCS; i++) {
                    if ((i == 0 || procs[i].session) && procs[i].pid == w && procs[i].code < 0) {
                        procs[i].code = wait_status_code(status);
                        procs[i].quiet_since = now;
                    }
                }
            }
        }
    }
}

/* The control port is optional (flotilla.exec=virtio:NAME): without it the container takes no exec. */
static void open_control(void)
{
    const char *spec = cmdline_value("flotilla.exec");
    if (!spec)
        return;
    if (strncmp(spec, "virtio:", 7) != 0)
        fail(125, "flotilla-init: unknown flotilla.exec=%s", spec);
    control = open_virtio_port(spec + 7);
    if (control < 0)
        fail(125, "flotilla-init: cannot open the exec port %s: %s", spec, strerror(errno));
    /* SIGIO says when the host connects or goes; until it connects the port is left out of poll. */
    fcntl(control, F_SETOWN, getpid());
    fcntl(control, F_SETFL, O_NONBLOCK | O_ASYNC);
    control_up = 1;
}

int main(void)
{
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGCHLD);
    sigaddset(&blocked, SIGIO);
    sigprocmask(SIG_BLOCK, &blocked, NULL);

    mkdir("/dev", 0755);
    mkdir("/proc", 0555);
    mkdir("/sys", 0555);
    mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    int console = open("/dev/console", O_RDWR);
    if (console >= 0) {
        dup2(console, 1);
        dup2(console, 2);
    }

    char *c;
    if (read_file("/proc/cmdline", &c) >= 0) {
        snprintf(cmdline, sizeof cmdline, "%s", c);
        free(c);
    }
    const char *port = cmdline_value("flotilla.debugexit");
    if (port)
        debug_exit_port = (unsigned)strtoul(port, NULL, 0);

    load_modules();
    open_channel();
    open_control();
    const char *fs = cmdline_value("flotilla.fs");
    mount_shares(fs ? fs : "9p");
    mount_kernel_filesystems();
    configure_network();
    apply_identity();
    start_command();
    send_frame(F_STDOUT, "", 0);
    int code = supervise();
    send_exit(code);
    power_off(code);
}
