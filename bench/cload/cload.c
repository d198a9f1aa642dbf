/*
 * cload: a NOOP load generator in C, the view of a client that is neither .NET nor Python (bench/README.md,
 * "Scenarios 3d and 3e"). The .NET bench client (3a, 3b) and FrontDoor share a runtime, a thread pool and
 * a machine's worth of habits; this one shares nothing with either, and costs next to nothing per command,
 * so what it measures is the paths.
 *
 *   cload interleaved COUNT USER PASSWORD PATH...
 *       one logged-in session per path; COUNT NOOPs each after 500 untimed, one at a time, the paths taking
 *       turns command by command with the order rotating (as 3a does). One line per path:
 *       "p50_us p99_us cpu_us runs".
 *   cload pipelined SESSIONS DEPTH ROUNDS USER PASSWORD PATH
 *       SESSIONS logged-in sessions on one path, each sending ROUNDS batches of DEPTH pipelined NOOPs and
 *       reading every answer before its next batch, all driven by one epoll loop. One line:
 *       "commands_per_s cpu_us runs".
 *
 * PATH is PORT or PORT@PID,PID,... (127.0.0.1 only). cpu_us and runs are per command and summed over every
 * thread of the PIDs (/proc/PID/task/TID/schedstat: nanoseconds on a CPU, and how often a thread was put on
 * one), read once before and once after the measured commands and taken thread by thread (a thread that
 * ended meanwhile counts nothing), so they count the path's own work however loaded the machine is; "nan"
 * when no PID is given (direct).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PATHS 8
#define MAX_PIDS 16
#define WARMUP 500

struct path {
    int port;
    int pids[MAX_PIDS];
    int npids;
};

/* What a session has read but not yet consumed as whole lines. */
struct session {
    int fd;
    char line[1024];
    size_t len;
    int seen;
    int rounds;
};

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cload: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void parse_path(const char *text, struct path *p)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", text);
    char *at = strchr(copy, '@');
    if (at) {
        *at = '\0';
        for (char *s = strtok(at + 1, ","); s && p->npids < MAX_PIDS; s = strtok(NULL, ","))
            p->pids[p->npids++] = atoi(s);
    }
    p->port = atoi(copy);
    if (p->port <= 0 || p->port > 65535)
        die("bad path '%s' (PORT or PORT@PID,PID,...)", text);
}

/* Each thread of a path's processes with its nanoseconds on a CPU and its timeslices, at one moment. */
#define MAX_THREADS 1024
struct snapshot {
    int n;
    int tid[MAX_THREADS];
    double ns[MAX_THREADS];
    double slices[MAX_THREADS];
};

static void snapshot_take(const struct path *p, struct snapshot *snap)
{
    snap->n = 0;
    for (int i = 0; i < p->npids; i++) {
        char dir[64];
        snprintf(dir, sizeof dir, "/proc/%d/task", p->pids[i]);
        DIR *d = opendir(dir);
        if (!d)
            die("cannot read %s: %s", dir, strerror(errno));
        struct dirent *e;
        while ((e = readdir(d)) && snap->n < MAX_THREADS) {
            if (e->d_name[0] == '.')
                continue;
            char file[512];
            snprintf(file, sizeof file, "%s/%s/schedstat", dir, e->d_name);
            FILE *f = fopen(file, "r");
            if (!f)
                continue; /* the thread ended meanwhile */
            unsigned long long run = 0, wait = 0, count = 0;
            if (fscanf(f, "%llu %llu %llu", &run, &wait, &count) == 3) {
                snap->tid[snap->n] = atoi(e->d_name);
                snap->ns[snap->n] = (double)run;
                snap->slices[snap->n] = (double)count;
                snap->n++;
            }
            fclose(f);
        }
        closedir(d);
    }
}

/* What the path's threads did between two snapshots, thread by thread: a thread that started meanwhile counts
 * whole, one that ended counts nothing. Summing each snapshot first let an ended thread take its whole life's
 * time out of the difference (a 3e run read -5.25 us per command when a .NET thread-pool worker retired). */
static void snapshot_delta(const struct snapshot *before, const struct snapshot *after, double *ns, double *slices)
{
    *ns = 0;
    *slices = 0;
    for (int a = 0; a < after->n; a++) {
        double ns0 = 0, sl0 = 0;
        for (int b = 0; b < before->n; b++) {
            if (before->tid[b] == after->tid[a]) {
                ns0 = before->ns[b];
                sl0 = before->slices[b];
                break;
            }
        }
        *ns += after->ns[a] - ns0;
        *slices += after->slices[a] - sl0;
    }
}

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket: %s", strerror(errno));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        die("connect to port %d: %s", port, strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die("send: %s", n < 0 ? strerror(errno) : "nothing sent");
        data += n;
        len -= (size_t)n;
    }
}

/*
 * Feeds received octets to the session's line assembly; calls back with each whole line. Returns how many
 * lines tagged `tag` were answered OK; any other tagged answer with that tag is fatal.
 */
static int consume(struct session *s, const char *data, size_t n, const char *tag)
{
    size_t tag_len = strlen(tag);
    int ok = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->len < sizeof s->line)
            s->line[s->len++] = data[i];
        if (data[i] != '\n')
            continue;
        if (s->len > tag_len && memcmp(s->line, tag, tag_len) == 0 && s->line[tag_len] == ' ') {
            if (s->len < tag_len + 3 || memcmp(s->line + tag_len + 1, "OK", 2) != 0)
                die("'%s' answered: %.*s", tag, (int)s->len, s->line);
            ok++;
        }
        s->len = 0;
    }
    return ok;
}

/* Blocks until `count` lines tagged `tag` were answered OK. */
static char buffer[64 * 1024];

static void await_ok(struct session *s, const char *tag, int count)
{
    int seen = 0;
    while (seen < count) {
        ssize_t n = recv(s->fd, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die("the server closed the session (port waiting for '%s')", tag);
        seen += consume(s, buffer, (size_t)n, tag);
    }
}

static void open_session(struct session *s, int port, const char *user, const char *password)
{
    memset(s, 0, sizeof *s);
    s->fd = dial(port);
    /* The greeting is the first line; the LOGIN answer is awaited by tag, so untagged lines pass. */
    char login[512];
    int len = snprintf(login, sizeof login, "a LOGIN \"%s\" \"%s\"\r\n", user, password);
    send_all(s->fd, login, (size_t)len);
    await_ok(s, "a", 1);
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void print_cpu(const struct path *p, const struct snapshot *before, double commands)
{
    if (p->npids == 0) {
        printf(" nan nan\n");
        return;
    }
    static struct snapshot after;
    snapshot_take(p, &after);
    double ns, slices;
    snapshot_delta(before, &after, &ns, &slices);
    printf(" %.2f %.3f\n", ns / 1000.0 / commands, slices / commands);
}

static int interleaved(int argc, char **argv)
{
    if (argc < 6)
        die("usage: cload interleaved COUNT USER PASSWORD PATH...");
    int count = atoi(argv[2]);
    int paths = argc - 5;
    if (count <= 0 || paths > MAX_PATHS)
        die("COUNT must be positive and at most %d paths given", MAX_PATHS);

    struct path p[MAX_PATHS] = { 0 };
    struct session s[MAX_PATHS];
    double *samples[MAX_PATHS];
    static struct snapshot before[MAX_PATHS];
    for (int j = 0; j < paths; j++) {
        parse_path(argv[5 + j], &p[j]);
        open_session(&s[j], p[j].port, argv[3], argv[4]);
        samples[j] = calloc((size_t)count, sizeof(double));
        if (!samples[j])
            die("out of memory");
    }

    static const char noop[] = "n NOOP\r\n";
    for (int i = -WARMUP; i < count; i++) {
        if (i == 0)
            for (int j = 0; j < paths; j++)
                snapshot_take(&p[j], &before[j]);
        for (int k = 0; k < paths; k++) {
            int j = ((k + i) % paths + paths) % paths;
            double start = now_seconds();
            send_all(s[j].fd, noop, sizeof noop - 1);
            await_ok(&s[j], "n", 1);
            if (i >= 0)
                samples[j][i] = (now_seconds() - start) * 1e6;
        }
    }

    for (int j = 0; j < paths; j++) {
        qsort(samples[j], (size_t)count, sizeof(double), compare);
        printf("%.1f %.1f", samples[j][(count - 1) / 2], samples[j][(int)ceil(0.99 * count) - 1]);
        print_cpu(&p[j], &before[j], count);
        send_all(s[j].fd, "z LOGOUT\r\n", 10);
        close(s[j].fd);
    }
    return 0;
}

static int pipelined(int argc, char **argv)
{
    if (argc != 8)
        die("usage: cload pipelined SESSIONS DEPTH ROUNDS USER PASSWORD PATH");
    int sessions = atoi(argv[2]), depth = atoi(argv[3]), rounds = atoi(argv[4]);
    if (sessions <= 0 || depth <= 0 || depth > 1000 || rounds <= 0)
        die("SESSIONS, DEPTH (at most 1000) and ROUNDS must be positive");
    struct path p = { 0 };
    parse_path(argv[7], &p);

    static char batch[8 * 1000];
    size_t batch_len = 0;
    for (int i = 0; i < depth; i++)
        batch_len += (size_t)snprintf(batch + batch_len, sizeof batch - batch_len, "p NOOP\r\n");

    struct session *s = calloc((size_t)sessions, sizeof *s);
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    if (!s || epoll < 0)
        die("set-up: %s", strerror(errno));
    for (int i = 0; i < sessions; i++) {
        open_session(&s[i], p.port, argv[5], argv[6]);
        struct epoll_event e = { .events = EPOLLIN, .data.u32 = (unsigned)i };
        if (epoll_ctl(epoll, EPOLL_CTL_ADD, s[i].fd, &e) < 0)
            die("epoll_ctl: %s", strerror(errno));
    }

    static struct snapshot before;
    snapshot_take(&p, &before);
    double start = now_seconds();
    for (int i = 0; i < sessions; i++)
        send_all(s[i].fd, batch, batch_len);
    int done = 0;
    struct epoll_event events[256];
    while (done < sessions) {
        int n = epoll_wait(epoll, events, 256, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die("epoll_wait: %s", strerror(errno));
        for (int k = 0; k < n; k++) {
            struct session *x = &s[events[k].data.u32];
            ssize_t got = recv(x->fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (got < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (got <= 0)
                die("the server closed a pipelined session");
            x->seen += consume(x, buffer, (size_t)got, "p");
            if (x->seen < depth)
                continue;
            if (x->seen > depth)
                die("more answers than commands");
            x->seen = 0;
            if (++x->rounds == rounds) {
                done++;
                epoll_ctl(epoll, EPOLL_CTL_DEL, x->fd, NULL);
            } else {
                send_all(x->fd, batch, batch_len);
            }
        }
    }
    double elapsed = now_seconds() - start;
    double commands = (double)sessions * depth * rounds;
    printf("%.0f", commands / elapsed);
    print_cpu(&p, &before, commands);
    for (int i = 0; i < sessions; i++)
        close(s[i].fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "interleaved") == 0)
        return interleaved(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "pipelined") == 0)
        return pipelined(argc, argv);
    die("usage: cload interleaved|pipelined ... (see the comment at the top of bench/cload/cload.c)");
    return 2;
}
