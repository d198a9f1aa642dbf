/*
 * minimap: a minimal IMAP backend for the FrontDoor benchmark (bench/README.md).
 *
 * One thread, one epoll set, a few hundred bytes per connection, so that 100,000 idle logged-in sessions
 * fit on a small machine where Dovecot holds a few thousand. It is not a mail store: every user's password
 * is accepted, INBOX always holds one message of --message octets, APPEND swallows its literal.
 *
 * Commands: CAPABILITY, LOGIN, AUTHENTICATE PLAIN (SASL-IR only), NOOP, LOGOUT, IDLE/DONE, SELECT,
 * EXAMINE, FETCH (answers BODY[] of the one message), APPEND ({N} and {N+}); anything else gets OK.
 *
 *   minimap --port P[,P...] [--message OCTETS]      listens on 127.0.0.1 on every port given
 *
 * Back-pressure: a connection's input is not read while its output waits for the socket, so a client that
 * does not read cannot make minimap buffer more than one small output buffer and one FETCH in flight.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define IN_SIZE 1024
#define OUT_SIZE 1024
#define MAX_LISTEN 64
#define CAPS "IMAP4rev1 LITERAL+ SASL-IR IDLE ID ENABLE AUTH=PLAIN"

struct conn {
    int fd;
    unsigned in_len;
    unsigned out_start, out_len;
    long long literal_skip;  /* octets of a client literal still to swallow */
    long long body_left;     /* octets of a FETCH body still to send */
    char tag[32];            /* the tag to answer once a FETCH body, an APPEND literal or an IDLE ends */
    char cmd[16];            /* the command whose line goes on after a literal (APPEND, LOGIN from nginx) */
    unsigned char idling, in_command, closing, want_out;
    char in[IN_SIZE];
    char out[OUT_SIZE];
};

static int epfd;
static long long message_size = 4096;
static char *body_chunk;
static const int body_chunk_size = 256 * 1024;
static int listeners[MAX_LISTEN];
static int listener_count;

static void die(const char *what) { perror(what); exit(1); }

static void set_events(struct conn *c, int out) {
    struct epoll_event ev = {.events = out ? EPOLLOUT : EPOLLIN, .data.ptr = c};
    c->want_out = (unsigned char)out;
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void close_conn(struct conn *c) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
}

static void reply(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply(struct conn *c, const char *fmt, ...) {
    if (c->out_start > 0 && c->out_start == c->out_len) c->out_start = c->out_len = 0;
    if (c->out_start > 0) {
        memmove(c->out, c->out + c->out_start, c->out_len - c->out_start);
        c->out_len -= c->out_start;
        c->out_start = 0;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->out + c->out_len, OUT_SIZE - c->out_len, fmt, ap);
    va_end(ap);
    if (n < 0 || (unsigned)n >= OUT_SIZE - c->out_len) { c->closing = 1; return; }
    c->out_len += (unsigned)n;
}

/* Writes what is pending; returns 1 when everything (buffer and FETCH body) is out, 0 when it must wait. */
static int flush_out(struct conn *c) {
    for (;;) {
        if (c->out_start < c->out_len) {
            ssize_t n = send(c->fd, c->out + c->out_start, c->out_len - c->out_start, MSG_NOSIGNAL);
            if (n < 0) { if (errno == EAGAIN) return 0; c->closing = 1; return 1; }
            c->out_start += (unsigned)n;
            continue;
        }
        c->out_start = c->out_len = 0;
        if (c->body_left > 0) {
            size_t want = c->body_left < body_chunk_size ? (size_t)c->body_left : (size_t)body_chunk_size;
            ssize_t n = send(c->fd, body_chunk, want, MSG_NOSIGNAL);
            if (n < 0) { if (errno == EAGAIN) return 0; c->closing = 1; return 1; }
            c->body_left -= n;
            if (c->body_left == 0) reply(c, ")\r\n%s OK FETCH completed\r\n", c->tag);
            continue;
        }
        return 1;
    }
}

/* The size of a literal announced at the end of a line ("{N}" or "{N+}"), or -1; *plus says which. */
static long long literal_at_end(const char *line, size_t len, int *plus) {
    if (len < 3 || line[len - 1] != '}') return -1;
    size_t i = len - 1;
    *plus = 0;
    if (line[i - 1] == '+') { *plus = 1; i--; }
    size_t end = i;
    while (i > 0 && line[i - 1] >= '0' && line[i - 1] <= '9') i--;
    if (i == 0 || i == end || line[i - 1] != '{') return -1;
    return strtoll(line + i, NULL, 10);
}

static void save_tag(struct conn *c, const char *tag, size_t len) {
    if (len >= sizeof c->tag) len = sizeof c->tag - 1;
    memcpy(c->tag, tag, len);
    c->tag[len] = 0;
}

static void command(struct conn *c, char *line, size_t len) {
    if (c->idling) {
        if (len == 4 && strncasecmp(line, "DONE", 4) == 0) {
            reply(c, "%s OK IDLE terminated\r\n", c->tag);
            c->idling = 0;
        }
        return;
    }
    int plus;
    long long literal = literal_at_end(line, len, &plus);
    if (literal >= 0) {
        /* A command with literals (APPEND, nginx's LOGIN {N}): swallow each, dispatch at the last line. */
        c->literal_skip = literal;
        if (!plus) reply(c, "+ Ready for literal data\r\n");
        if (!c->in_command) {
            char *sp = memchr(line, ' ', len);
            size_t tl = sp ? (size_t)(sp - line) : 0;
            save_tag(c, line, tl);
            char *name = sp ? sp + 1 : line + len, *end = memchr(name, ' ', (size_t)(line + len - name));
            size_t nl = end ? (size_t)(end - name) : 0;
            if (nl >= sizeof c->cmd) nl = sizeof c->cmd - 1;
            memcpy(c->cmd, name, nl);
            c->cmd[nl] = 0;
            c->in_command = 1;
        }
        return;
    }
    char *tag, *cmd, *args;
    char saved_tag[sizeof c->tag], saved_cmd[sizeof c->cmd];
    if (c->in_command) { /* the last line of a command with literals */
        c->in_command = 0;
        memcpy(saved_tag, c->tag, sizeof saved_tag);
        memcpy(saved_cmd, c->cmd, sizeof saved_cmd);
        tag = saved_tag;
        cmd = saved_cmd;
        args = "";
    } else {
        line[len] = 0;
        tag = line;
        char *rest = strchr(line, ' ');
        if (!rest) { reply(c, "* BAD missing command\r\n"); return; }
        *rest++ = 0;
        cmd = rest;
        args = strchr(rest, ' ');
        if (args) *args++ = 0; else args = "";
    }
    if (!strcasecmp(cmd, "UID")) { cmd = args; args = strchr(args, ' '); if (args) *args++ = 0; else args = ""; }

    if (!strcasecmp(cmd, "APPEND")) {
        reply(c, "%s OK [APPENDUID 1 2] APPEND completed\r\n", tag);
    } else if (!strcasecmp(cmd, "CAPABILITY")) {
        reply(c, "* CAPABILITY " CAPS "\r\n%s OK CAPABILITY completed\r\n", tag);
    } else if (!strcasecmp(cmd, "LOGIN") || !strcasecmp(cmd, "AUTHENTICATE")) {
        reply(c, "%s OK [CAPABILITY " CAPS "] Logged in\r\n", tag);
    } else if (!strcasecmp(cmd, "LOGOUT")) {
        reply(c, "* BYE minimap logging out\r\n%s OK LOGOUT completed\r\n", tag);
        c->closing = 1;
    } else if (!strcasecmp(cmd, "IDLE")) {
        save_tag(c, tag, strlen(tag));
        c->idling = 1;
        reply(c, "+ idling\r\n");
    } else if (!strcasecmp(cmd, "SELECT") || !strcasecmp(cmd, "EXAMINE")) {
        reply(c, "* FLAGS (\\Seen \\Deleted)\r\n* 1 EXISTS\r\n* OK [UIDVALIDITY 1] UIDs valid\r\n"
                 "* OK [UIDNEXT 2] next\r\n%s OK [READ-WRITE] SELECT completed\r\n", tag);
    } else if (!strcasecmp(cmd, "FETCH")) {
        save_tag(c, tag, strlen(tag));
        reply(c, "* 1 FETCH (UID 1 BODY[] {%lld}\r\n", message_size);
        c->body_left = message_size;
        if (message_size == 0) { reply(c, ")\r\n%s OK FETCH completed\r\n", tag); c->tag[0] = 0; }
    } else {
        reply(c, "%s OK %s completed\r\n", tag, cmd);
    }
}

/* Handles what is buffered; stops while output is pending (back-pressure), resumes on EPOLLOUT. */
static unsigned process(struct conn *c) {
    unsigned pos = 0;
    while (pos < c->in_len && !c->closing && c->body_left == 0 && c->out_len - c->out_start < OUT_SIZE / 2) {
        if (c->literal_skip > 0) {
            unsigned take = c->in_len - pos;
            if ((long long)take > c->literal_skip) take = (unsigned)c->literal_skip;
            c->literal_skip -= take;
            pos += take;
            continue;
        }
        char *nl = memchr(c->in + pos, '\n', c->in_len - pos);
        if (!nl) {
            if (pos == 0 && c->in_len == IN_SIZE) c->closing = 1; /* a line longer than the buffer */
            break;
        }
        size_t len = (size_t)(nl - (c->in + pos));
        if (len > 0 && c->in[pos + len - 1] == '\r') len--;
        command(c, c->in + pos, len);
        pos = (unsigned)(nl - c->in) + 1;
    }
    if (pos > 0) {
        memmove(c->in, c->in + pos, c->in_len - pos);
        c->in_len -= pos;
    }
    return pos;
}

static char scratch[256 * 1024];

static void on_readable(struct conn *c) {
    for (;;) {
        unsigned progressed;
        do {
            progressed = process(c);
            if (!flush_out(c)) { set_events(c, 1); return; }
            if (c->closing) { close_conn(c); return; }
        } while (progressed > 0);
        ssize_t n;
        if (c->literal_skip > 0 && c->in_len == 0) {
            /* Literal octets are swallowed in big reads, not through the small line buffer. */
            size_t want = c->literal_skip < (long long)sizeof scratch ? (size_t)c->literal_skip : sizeof scratch;
            n = recv(c->fd, scratch, want, 0);
            if (n > 0) { c->literal_skip -= n; continue; }
        } else {
            n = recv(c->fd, c->in + c->in_len, IN_SIZE - c->in_len, 0);
            if (n > 0) { c->in_len += (unsigned)n; continue; }
        }
        if (n < 0 && errno == EAGAIN) return;
        close_conn(c);
        return;
    }
}

static void on_writable(struct conn *c) {
    if (!flush_out(c)) return;
    set_events(c, 0);
    on_readable(c);
}

static void accept_all(int lfd) {
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno != EAGAIN && errno != ECONNABORTED) perror("minimap: accept");
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        if (!c) { close(fd); continue; }
        c->fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
        reply(c, "* OK [CAPABILITY " CAPS "] minimap ready\r\n");
        if (!flush_out(c)) set_events(c, 1);
    }
}

int main(int argc, char **argv) {
    const char *ports = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port")) ports = argv[i + 1];
        else if (!strcmp(argv[i], "--message")) message_size = atoll(argv[i + 1]);
        else { fprintf(stderr, "minimap: unknown argument %s\n", argv[i]); return 2; }
    }
    if (!ports) { fprintf(stderr, "usage: minimap --port P[,P...] [--message OCTETS]\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) { rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl); }

    body_chunk = malloc(body_chunk_size);
    for (int i = 0; i < body_chunk_size; i++) body_chunk[i] = (i % 78 == 76) ? '\r' : (i % 78 == 77) ? '\n' : 'A' + i % 26;

    epfd = epoll_create1(0);
    if (epfd < 0) die("epoll_create1");
    char *list = strdup(ports);
    for (char *p = strtok(list, ","); p && listener_count < MAX_LISTEN; p = strtok(NULL, ",")) {
        int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int one = 1;
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(p))};
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("minimap: bind");
        if (listen(lfd, 4096) < 0) die("minimap: listen");
        struct epoll_event ev = {.events = EPOLLIN};
        ev.data.u64 = (unsigned long long)lfd | (1ULL << 63);
        epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
        listeners[listener_count++] = lfd;
    }
    fprintf(stderr, "minimap: listening on %d port(s), message %lld octets\n", listener_count, message_size);

    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(epfd, events, 256, -1);
        if (n < 0) { if (errno == EINTR) continue; die("epoll_wait"); }
        for (int i = 0; i < n; i++) {
            if (events[i].data.u64 & (1ULL << 63)) {
                accept_all((int)(events[i].data.u64 & 0xffffffff));
                continue;
            }
            struct conn *c = events[i].data.ptr;
            if (events[i].events & (EPOLLERR | EPOLLHUP) && !(events[i].events & (EPOLLIN | EPOLLOUT))) { close_conn(c); continue; }
            if (c->want_out) on_writable(c); else on_readable(c);
        }
    }
}
