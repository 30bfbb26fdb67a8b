/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cost of dynamorm-server --data-dir under load the server itself
 * limits: C client threads on keep-alive connections send prepared
 * PutItem and UpdateItem requests (alternating, 5,000 keys) as fast as
 * the server answers, for SECONDS per run. Modes: in memory, --data-dir
 * with --fsync 10, never, always. A round runs each mode once, on a fresh
 * server and data directory, in an order that turns from round to round,
 * so a busy moment of this shared machine falls on every mode alike.
 * Printed per mode: requests/s and the server's CPU per request (the
 * schedstat of all its threads, the fsync timer's included, and of its
 * main thread alone, which runs that timer), median and range over the
 * rounds, and the cost against the memory run of the same
 * round. The target (issue 14): fsync every 10 ms costs under 20% of the
 * in-memory throughput. A measure, not a test: it asserts nothing but
 * that the server answers 200.
 *
 *   bench/bench-server-persist SERVER [CLIENTS [SECONDS [ROUNDS [MODES]]]]
 *
 * SERVER the dynamorm-server binary, CLIENTS connections (default 4),
 * SECONDS per run (default 2), ROUNDS (default 5), MODES a comma-separated
 * subset of memory,10ms,never,always (default memory,10ms,never). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "bench-rounds.h"

typedef struct {
  const char *key;
  const char *name;
  const char *fsync;   /* NULL: no --data-dir */
} Mode;

static const Mode modes[] = {
  { "memory", "in memory", NULL },
  { "10ms", "--data-dir, --fsync 10", "10" },
  { "never", "--data-dir, --fsync never", "never" },
  { "always", "--data-dir, --fsync always", "always" },
};

typedef struct {
  int port;
  guint id;
  gint *stop;
  guint64 done;
} Client;

static int
connect_to (int port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0 || connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    g_error ("cannot connect to port %d: %s", port, g_strerror (errno));
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static void
send_all (int fd, const char *data, gsize len)
{
  while (len > 0)
    {
      gssize n = send (fd, data, len, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("send: %s", g_strerror (errno));
      data += n;
      len -= n;
    }
}

/* Reads one answer (head and Content-Length body); its status. */
static int
read_answer (int fd, GString *buf)
{
  gsize head_end = 0, body = 0;
  const char *cl;

  g_string_truncate (buf, 0);
  for (;;)
    {
      char chunk[4096];
      gssize n;

      if (head_end == 0)
        {
          char *end = g_strstr_len (buf->str, buf->len, "\r\n\r\n");
          if (end != NULL)
            {
              head_end = end - buf->str + 4;
              cl = g_strstr_len (buf->str, head_end, "Content-Length:");
              if (cl == NULL)
                cl = g_strstr_len (buf->str, head_end, "content-length:");
              body = cl ? strtoul (cl + 15, NULL, 10) : 0;
            }
        }
      if (head_end > 0 && buf->len >= head_end + body)
        break;
      n = recv (fd, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("the server closed the connection");
      g_string_append_len (buf, chunk, n);
    }
  return buf->len > 12 ? atoi (buf->str + 9) : 0;
}

static char *
http_request (const char *op, const char *body)
{
  return g_strdup_printf ("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\n"
                          "X-Amz-Target: DynamoDB_20120810.%s\r\nContent-Length: %zu\r\n\r\n%s",
                          op, strlen (body), body);
}

/* The i-th write of client id: puts and updates alternating. */
static char *
write_request (guint id, guint i)
{
  guint key = (id * 7919 + i) % 5000;
  g_autofree char *body = i % 2
    ? g_strdup_printf ("{\"TableName\":\"Bench\",\"Key\":{\"pk\":{\"S\":\"k%u\"}},"
                       "\"UpdateExpression\":\"ADD n :one\",\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}}}", key)
    : g_strdup_printf ("{\"TableName\":\"Bench\",\"Item\":{\"pk\":{\"S\":\"k%u\"},\"name\":{\"S\":\"Ann Example\"},"
                       "\"email\":{\"S\":\"ann@example.com\"},\"age\":{\"N\":\"42\"},\"tags\":{\"SS\":[\"a\",\"b\"]}}}", key);
  return http_request (i % 2 ? "UpdateItem" : "PutItem", body);
}

static gpointer
client_thread (gpointer data)
{
  Client *c = data;
  g_autoptr(GString) buf = g_string_sized_new (4096);
  g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func (g_free);
  int fd = connect_to (c->port);

  for (guint i = 0; i < 1000; i++)
    g_ptr_array_add (requests, write_request (c->id, i));
  while (!g_atomic_int_get (c->stop))
    {
      const char *req = requests->pdata[c->done % requests->len];
      int status;

      send_all (fd, req, strlen (req));
      if ((status = read_answer (fd, buf)) != 200)
        g_error ("status %d: %s", status, buf->str);
      c->done++;
    }
  close (fd);
  return NULL;
}

/* CPU seconds of pid's threads (their schedstat, nanoseconds); *main_out
 * those of its main thread, whose main loop runs the --fsync timer. */
static double
cpu_seconds (GPid pid, double *main_out)
{
  g_autofree char *task = g_strdup_printf ("/proc/%d/task", (int) pid);
  g_autoptr(GDir) dir = g_dir_open (task, 0, NULL);
  const char *tid;
  double total = 0;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s/schedstat", task, tid);
      g_autofree char *text = NULL;
      double seconds;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      seconds = g_ascii_strtod (text, NULL) / 1e9;
      total += seconds;
      if (atoi (tid) == (int) pid)
        *main_out = seconds;
    }
  return total;
}

typedef struct {
  double rate;       /* requests per second */
  double cpu_us;     /* server CPU microseconds per request */
  double main_us;    /* of which its main thread's (the fsync timer) */
} Result;

static GPid
start_server (const char *binary, const Mode *m, const char *dir, int *port)
{
  const char *argv[10] = { binary, "--port", "0", "--threads", "2" };
  guint argc = 5;
  g_autoptr(GError) error = NULL;
  char line[512];
  FILE *out;
  GPid pid;
  int out_fd;
  const char *colon;

  if (m->fsync != NULL)
    {
      argv[argc++] = "--data-dir";
      argv[argc++] = dir;
      argv[argc++] = "--fsync";
      argv[argc++] = m->fsync;
    }
  if (!g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                 NULL, &out_fd, NULL, &error))
    g_error ("cannot start %s: %s", binary, error->message);
  out = fdopen (out_fd, "r");
  if (fgets (line, sizeof line, out) == NULL || strstr (line, "listening on ") == NULL ||
      (colon = strrchr (line, ':')) == NULL)
    g_error ("%s did not start", binary);
  *port = atoi (colon + 1);
  fclose (out);
  return pid;
}

static void
stop_server (GPid pid)
{
  int status;

  kill (pid, SIGTERM);
  waitpid (pid, &status, 0);
  g_spawn_close_pid (pid);
}

static Result
run_mode (const char *binary, const Mode *m, const char *dir, guint n_clients, double seconds)
{
  g_autofree Client *clients = g_new0 (Client, n_clients);
  g_autofree GThread **threads = g_new0 (GThread *, n_clients);
  g_autofree char *create = http_request ("CreateTable",
    "{\"TableName\":\"Bench\",\"BillingMode\":\"PAY_PER_REQUEST\","
    "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
    "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}");
  g_autoptr(GString) buf = g_string_new (NULL);
  gint stop = 0;
  guint64 done = 0;
  int port, fd;
  GPid pid = start_server (binary, m, dir, &port);
  double cpu, main_cpu = 0, main_end = 0;
  gint64 start;

  fd = connect_to (port);
  send_all (fd, create, strlen (create));
  if (read_answer (fd, buf) != 200)
    g_error ("CreateTable: %s", buf->str);
  close (fd);
  cpu = cpu_seconds (pid, &main_cpu);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n_clients; i++)
    {
      clients[i] = (Client){ port, i, &stop, 0 };
      threads[i] = g_thread_new ("client", client_thread, &clients[i]);
    }
  g_usleep ((gulong) (seconds * 1e6));
  g_atomic_int_set (&stop, 1);
  for (guint i = 0; i < n_clients; i++)
    {
      g_thread_join (threads[i]);
      done += clients[i].done;
    }
  cpu = cpu_seconds (pid, &main_end) - cpu;
  seconds = (g_get_monotonic_time () - start) / 1e6;
  stop_server (pid);
  return (Result){ done / seconds, cpu * 1e6 / MAX (done, 1), (main_end - main_cpu) * 1e6 / MAX (done, 1) };
}

int
main (int argc, char **argv)
{
  const char *binary = argc > 1 ? argv[1] : NULL;
  guint n_clients = argc > 2 ? (guint) MAX (atoi (argv[2]), 1) : 4;
  double seconds = argc > 3 ? g_ascii_strtod (argv[3], NULL) : 2.0;
  guint rounds = argc > 4 ? (guint) MAX (atoi (argv[4]), 1) : 5;
  g_auto(GStrv) keys = g_strsplit (argc > 5 ? argv[5] : "memory,10ms,never", ",", -1);
  g_autofree char *tmp = g_dir_make_tmp ("bench-server-persist-XXXXXX", NULL);
  gboolean chosen[G_N_ELEMENTS (modes)] = { FALSE };
  const char *names[G_N_ELEMENTS (modes)];
  GArray *rate[G_N_ELEMENTS (modes)], *cpu[G_N_ELEMENTS (modes)], *main_cpu[G_N_ELEMENTS (modes)];

  if (binary == NULL || seconds <= 0)
    {
      g_printerr ("usage: bench-server-persist SERVER [CLIENTS [SECONDS [ROUNDS [MODES]]]]\n");
      return 2;
    }
  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      chosen[m] = g_strv_contains ((const char *const *) keys, modes[m].key);
      names[m] = modes[m].name;
      rate[m] = g_array_new (FALSE, FALSE, sizeof (double));
      cpu[m] = g_array_new (FALSE, FALSE, sizeof (double));
      main_cpu[m] = g_array_new (FALSE, FALSE, sizeof (double));
    }
  printf ("%s --threads 2, %u keep-alive clients, %.1f s per run, %u rounds, the order turning each round\n",
          binary, n_clients, seconds, rounds);
  for (guint r = 0; r < rounds; r++)
    for (guint k = 0; k < G_N_ELEMENTS (modes); k++)
      {
        guint m = (k + r) % G_N_ELEMENTS (modes);
        g_autofree char *dir = NULL;
        g_autofree char *rm = NULL;
        Result res;

        if (!chosen[m])
          continue;
        dir = g_strdup_printf ("%s/round%u-%s", tmp, r, modes[m].key);
        res = run_mode (binary, &modes[m], dir, n_clients, seconds);
        g_array_append_val (rate[m], res.rate);
        g_array_append_val (cpu[m], res.cpu_us);
        g_array_append_val (main_cpu[m], res.main_us);
        printf ("round %u  %-28s %8.0f requests/s %6.1f us server CPU/request (main thread %.2f)\n", r + 1,
                modes[m].name, res.rate, res.cpu_us, res.main_us);
        fflush (stdout);
        rm = g_strdup_printf ("rm -rf '%s'", dir);
        if (system (rm) != 0)
          g_printerr ("could not remove %s\n", dir);
      }
  {
    double by_rate = bench_report_costs ("requests per second", names, chosen, rate, G_N_ELEMENTS (modes), TRUE);
    double by_cpu = bench_report_costs ("server CPU us per request", names, chosen, cpu, G_N_ELEMENTS (modes), FALSE);

    /* Not a cost (near zero in memory): what the --fsync timer's thread
     * spends, its fdatasync calls. */
    printf ("\n%-40s %9s %19s\n", "main thread CPU us per request", "median", "range");
    for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
      if (chosen[m])
        {
          double lo, hi;
          bench_range (main_cpu[m], &lo, &hi);
          printf ("%-40s %9.2f %9.2f-%-9.2f\n", names[m], bench_median (main_cpu[m]), lo, hi);
        }

    if (chosen[0] && chosen[1])
      printf ("\ncost of --fsync 10ms vs memory: %.1f%% of requests/s, %.1f%% more server CPU per request "
              "(medians of the rounds' costs; goal < 20%%)\n", by_rate, by_cpu);
  }
  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      g_array_unref (rate[m]);
      g_array_unref (cpu[m]);
      g_array_unref (main_cpu[m]);
    }
  g_rmdir (tmp);
  return 0;
}
