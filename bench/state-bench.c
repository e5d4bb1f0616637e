/* state-bench: what the per-address state costs a bounce delivery, as
   the plugin pays it with the administrator guide's script (classify,
   then fileinto by type): for each bounce the dict opened (a proxy
   connected, a file read), the notification looked up (for the header
   field classify adds), the notification counted
   (bounce_state_record_notification(): its lock, reads and one
   transaction), the dict closed. --predict adds what a script that tests
   "bounce :state" or reads ${bounce.state} before classify pays: the
   address's state read. The dict is a real one: file, redis, or proxy to
   Dovecot's dict server with its SQL drivers.

   state-bench --dict URI --home DIR --user NAME --addresses N
               [--bounces K] [--seed S] [--predict] [--server-pid PID]...

   Each bounce is a soft bounce of one of the addresses s0@example.org
   .. s(N-1)@example.org that bench/state-fill.py stored, chosen at
   random, under a notification of its own. Prints one line:
     bounces K client-cpu-us C server-cpu-us S wall-us W
   client: this process; server: every process under the --server-pid
   processes (the dict server, the database server), read from /proc. */

#include "lib.h"
#include "ioloop.h"
#include "str.h"
#include "strnum.h"
#include "dict.h"
#include "dovecot-compat.h"
#include "bounce-state.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_SERVER_PIDS 8

struct bench_proc {
	pid_t pid, ppid;
	unsigned long long ns;
};

static void ATTR_NORETURN usage(void)
{
	fprintf(stderr,
"usage: state-bench --dict URI --home DIR --user NAME --addresses N\n"
"                   [--bounces K] [--seed S] [--predict]\n"
"                   [--server-pid PID]...\n");
	exit(2);
}

/* The CPU time of one process: its threads' run time (ns, from
   schedstat), and its children that ended and were waited for (ticks) */
static bool proc_read(pid_t pid, struct bench_proc *proc_r)
{
	char path[64], buf[1024];
	const char *p;
	unsigned long long utime, stime, cutime, cstime, run;
	int ppid;
	FILE *f;
	DIR *dir;
	struct dirent *d;

	i_snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return FALSE;
	if (fgets(buf, sizeof(buf), f) == NULL) {
		fclose(f);
		return FALSE;
	}
	fclose(f);
	/* the command name may hold anything: the fields follow its ')' */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		   "%llu %llu %llu %llu", &ppid, &utime, &stime,
		   &cutime, &cstime) != 5)
		return FALSE;
	proc_r->pid = pid;
	proc_r->ppid = ppid;
	proc_r->ns = (cutime + cstime) * (1000000000ULL /
					  (unsigned long long)sysconf(_SC_CLK_TCK));

	i_snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((dir = opendir(path)) == NULL)
		return FALSE;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		i_snprintf(path, sizeof(path), "/proc/%ld/task/%s/schedstat",
			   (long)pid, d->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%llu", &run) == 1)
			proc_r->ns += run;
		fclose(f);
	}
	closedir(dir);
	return TRUE;
}

/* The CPU time (ns) of the roots and every process under them */
static unsigned long long
server_cpu_ns(const pid_t *roots, unsigned int root_count)
{
	ARRAY(struct bench_proc) procs;
	struct bench_proc proc, *procp;
	ARRAY(pid_t) tree;
	unsigned long long total = 0;
	unsigned int i, n;
	struct dirent *d;
	DIR *dir;
	pid_t pid;

	if (root_count == 0)
		return 0;
	t_array_init(&procs, 256);
	t_array_init(&tree, 32);
	if ((dir = opendir("/proc")) == NULL)
		i_fatal("opendir(/proc) failed: %m");
	while ((d = readdir(dir)) != NULL) {
		if (str_to_pid(d->d_name, &pid) == 0 && proc_read(pid, &proc))
			array_push_back(&procs, &proc);
	}
	closedir(dir);
	for (i = 0; i < root_count; i++)
		array_push_back(&tree, &roots[i]);
	/* breadth first: the tree grows while it is walked */
	for (n = 0; n < array_count(&tree); n++) {
		pid = *array_idx(&tree, n);
		array_foreach_modifiable(&procs, procp) {
			if (procp->pid == pid)
				total += procp->ns;
			else if (procp->ppid == pid)
				array_push_back(&tree, &procp->pid);
		}
	}
	return total;
}

/* The bench's own generator, so that a seed repeats a run's addresses */
static uint64_t bench_rand_state;

static uint32_t bench_rand(void)
{
	/* xorshift64* */
	bench_rand_state ^= bench_rand_state >> 12;
	bench_rand_state ^= bench_rand_state << 25;
	bench_rand_state ^= bench_rand_state >> 27;
	return (uint32_t)((bench_rand_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static unsigned long long timeval_us(const struct timeval *tv)
{
	return (unsigned long long)tv->tv_sec * 1000000ULL + tv->tv_usec;
}

static unsigned long long client_cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		i_fatal("getrusage() failed: %m");
	return timeval_us(&ru.ru_utime) + timeval_us(&ru.ru_stime);
}

/* One bounce delivery's state step */
static void
bench_bounce(const struct bounce_state_settings *set, unsigned int n,
	     unsigned int addresses, bool predict)
{
	struct bounce_recipient rcpt;
	const struct bounce_recipient *rcpts[1];
	struct bounce_state *state;
	struct bounce_state_notification seen, counted;
	struct bounce_state_address predicted;
	struct timeval now;
	const char *id, *error;
	pool_t pool;

	i_zero(&rcpt);
	rcpt.address = t_strdup_printf("s%u@example.org",
				       bench_rand() % addresses);
	rcpt.type = BOUNCE_TYPE_SOFT;
	rcpt.category = "mailbox-full";
	rcpt.code = 22;
	rcpt.status = "4.2.2";
	rcpts[0] = &rcpt;
	id = t_strdup_printf("%08x%08x%08x%08x", n, bench_rand(),
			     bench_rand(), bench_rand());

	pool = pool_alloconly_create("state-bench", 1024);
	if (gettimeofday(&now, NULL) < 0)
		i_fatal("gettimeofday() failed: %m");
	if (bounce_state_init(set, &state, &error) < 0)
		i_fatal("state: %s", error);
	if (bounce_state_notification_find(state, id, rcpts, 1, now.tv_sec,
					   pool, &seen, &error) < 0)
		i_fatal("looking up the notification: %s", error);
	if (predict &&
	    bounce_state_predict(state, &rcpt, now.tv_sec, pool, &predicted,
				 &error) < 0)
		i_fatal("predicting the state: %s", error);
	if (bounce_state_record_notification(state, id, rcpts, 1, &now, pool,
					     &counted, &error) < 0)
		i_fatal("counting the bounce: %s", error);
	if (counted.repeat)
		i_fatal("a new notification was found counted");
	bounce_state_deinit(&state);
	pool_unref(&pool);
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "dict", required_argument, NULL, 'd' },
		{ "home", required_argument, NULL, 'H' },
		{ "user", required_argument, NULL, 'u' },
		{ "addresses", required_argument, NULL, 'n' },
		{ "bounces", required_argument, NULL, 'k' },
		{ "seed", required_argument, NULL, 's' },
		{ "predict", no_argument, NULL, 'P' },
		{ "server-pid", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct bounce_state_settings set;
	struct ioloop *ioloop;
	pid_t servers[MAX_SERVER_PIDS];
	unsigned int server_count = 0, addresses = 0, bounces = 100;
	unsigned int seed = 1, i;
	bool predict = FALSE;
	unsigned long long cpu_start, cpu_end, srv_start, srv_end;
	struct timeval wall_start, wall_end;
	int c;

	dovecot_compat_tool_init("state-bench", &argc, &argv);
	i_zero(&set);
	set.soft_limit = BOUNCE_STATE_DEFAULT_SOFT_LIMIT;
	set.soft_window = BOUNCE_STATE_DEFAULT_SOFT_WINDOW;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			set.dict_uri = optarg;
			break;
		case 'H':
			set.home_dir = optarg;
			break;
		case 'u':
			set.username = optarg;
			break;
		case 'n':
			if (str_to_uint(optarg, &addresses) < 0 ||
			    addresses == 0)
				usage();
			break;
		case 'k':
			if (str_to_uint(optarg, &bounces) < 0 || bounces == 0)
				usage();
			break;
		case 's':
			if (str_to_uint(optarg, &seed) < 0)
				usage();
			break;
		case 'P':
			predict = TRUE;
			break;
		case 'p':
			if (server_count == MAX_SERVER_PIDS ||
			    str_to_pid(optarg, &servers[server_count]) < 0)
				usage();
			server_count++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || set.dict_uri == NULL || set.home_dir == NULL ||
	    set.username == NULL || addresses == 0)
		usage();
	bench_rand_state = 0x9E3779B97F4A7C15ULL * (seed + 1);

	ioloop = io_loop_create();
	dict_drivers_register_builtin();

	T_BEGIN {
		srv_start = server_cpu_ns(servers, server_count);
	} T_END;
	cpu_start = client_cpu_us();
	if (gettimeofday(&wall_start, NULL) < 0)
		i_fatal("gettimeofday() failed: %m");
	for (i = 0; i < bounces; i++) T_BEGIN {
		bench_bounce(&set, i, addresses, predict);
	} T_END;
	if (gettimeofday(&wall_end, NULL) < 0)
		i_fatal("gettimeofday() failed: %m");
	cpu_end = client_cpu_us();
	T_BEGIN {
		srv_end = server_cpu_ns(servers, server_count);
	} T_END;

	printf("bounces %u client-cpu-us %llu server-cpu-us %llu wall-us %llu\n",
	       bounces, cpu_end - cpu_start,
	       srv_end > srv_start ? (srv_end - srv_start) / 1000 : 0,
	       timeval_us(&wall_end) - timeval_us(&wall_start));

	dict_drivers_unregister_builtin();
	io_loop_destroy(&ioloop);
	dovecot_compat_tool_deinit();
	return 0;
}
