#!/bin/bash
# What the per-address state costs a bounce delivery, per store and list
# size: state-bench (the plugin's state step with the real dict drivers:
# the dict opened, the notification looked up, the address's state read,
# the bounce counted, the dict closed) against the file dict, SQLite and
# PostgreSQL behind Dovecot's dict server, and Redis, each holding the
# state of 100 to 1,000,000 addresses. The servers run in a directory of
# their own (tests/state/engines.sh: Unix sockets, Redis on loopback) and
# are stopped at the end; every store is filled directly
# (bench/state-fill.py), not through deliveries.
#
# A round runs a batch of bounces against every store and size, in turn
# (the stores in another order each round), so that whatever else slows
# the machine down falls on all alike; each size's figures are compared
# with the 100-address figure of the same store in the same round. The
# table gives medians over the rounds and their spread (min to max):
# wall time, and CPU time of the delivery's side and the servers' (the
# dict server's and the database server's processes) per bounce.
#
# usage: state-bench.sh [--sizes "100 10000 ..."] [--stores "file ..."]
#                       [-r ROUNDS] [-n BOUNCES] [--markdown]
# BOUNCES per batch (the file dict, which rewrites its file for each
# bounce, gets fewer on big lists). Run from the build tree
# (BOUNCE_BUILDDIR otherwise); as root the servers and the bench run as
# nobody, as in the tests.

sizes="100 10000 100000 1000000"
stores="file sqlite redis pgsql"
rounds=5
bounces=100
markdown=
while [ $# -gt 0 ]; do
	case $1 in
	--sizes) sizes=$2; shift ;;
	--stores) stores=$2; shift ;;
	-r) rounds=$2; shift ;;
	-n) bounces=$2; shift ;;
	--markdown) markdown=1 ;;
	*) echo "usage: $0 [--sizes SIZES] [--stores STORES] [-r ROUNDS]" \
		"[-n BOUNCES] [--markdown]" >&2
	   exit 2 ;;
	esac
	shift
done

bench_dir=$(cd "$(dirname "$0")" && pwd)
. "$bench_dir/../tests/sieve/env.sh"
top_srcdir=$(cd "$bench_dir/.." && pwd)
. "$top_srcdir/tests/state/engines.sh"
BENCH=$builddir/bench/state-bench
[ -x "$BENCH" ] || { echo "$BENCH not built" >&2; exit 1; }
USER_NAME=bench
# the filling runs as the servers' user, who may not reach a python3
# installed for root
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

for store in $stores; do
	if ! engine_available "$store"; then
		echo "state-bench: $store is not available here" >&2
		exit 1
	fi
done

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/bounce-state-bench.XXXXXX") || exit 1
engines_trap
mkdir -p "$run_dir/home" "$run_dir/dict" "$run_dir/results"
cp "$BENCH" "$bench_dir/state-fill.py" "$run_dir/"
chmod -R a+rX "$run_dir"
own_run_dir
log=$run_dir/results/bench.log

# fill STORE SIZE: the store's state of SIZE addresses
fill() {
	local dir
	case $1 in
	file)
		as_user "$PYTHON" "$run_dir/state-fill.py" file "$2" "$USER_NAME" \
			"$run_dir/home/state-$2.dict" ;;
	sqlite)
		dir=$(engine_dir sqlite)
		as_user sqlite3 "$dir/state-$2.sqlite" \
			< "$top_srcdir/conf.d/bounce-state-sqlite.sql" > /dev/null &&
		as_user "$PYTHON" "$run_dir/state-fill.py" sqlite "$2" \
			"$USER_NAME" "$dir/state-$2.sqlite" &&
		dict_map sqlite "$dir/state-$2.sqlite" "sqlite-$2" ;;
	pgsql)
		as_user "$(pg_bindir)/createdb" -h "$run_dir/pgsql" -U bounce \
			"bounce$2" &&
		as_user "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 \
			-h "$run_dir/pgsql" -U bounce -d "bounce$2" -f - \
			< "$top_srcdir/conf.d/bounce-state-pgsql.sql" &&
		as_user "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 \
			-h "$run_dir/pgsql" -U bounce -d "bounce$2" -c \
			"GRANT SELECT, INSERT, UPDATE, DELETE ON
			 bounce_state, bounce_soft, bounce_seen TO dict" &&
		as_user "$PYTHON" "$run_dir/state-fill.py" pgsql "$2" "$USER_NAME" |
		as_user "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 \
			-h "$run_dir/pgsql" -U bounce -d "bounce$2" -f - &&
		dict_map pgsql "host=$run_dir/pgsql dbname=bounce$2 user=dict" \
			"pgsql-$2" ;;
	redis)
		as_user "$PYTHON" "$run_dir/state-fill.py" redis "$2" "$USER_NAME" |
		redis-cli -p "$redis_port" -n "$(redis_db "$2")" --pipe \
			> /dev/null ;;
	esac
}

# One Redis database per size
redis_db() {
	local i=1 size
	for size in $sizes; do
		[ "$size" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
}

# dict_uri STORE SIZE
dict_uri() {
	case $1 in
	file) echo "file:$run_dir/home/state-$2.dict" ;;
	sqlite|pgsql) echo "proxy:$run_dir/dict/run/dict:bounce$1-$2" ;;
	redis) echo "redis:host=127.0.0.1:port=$redis_port:db=$(redis_db "$2")" ;;
	esac
}

# server_pids STORE: the processes that work for it besides the bench
server_pids() {
	case $1 in
	sqlite) echo "--server-pid $(cat "$run_dir/dict/run/master.pid")" ;;
	pgsql) echo "--server-pid $(cat "$run_dir/dict/run/master.pid")" \
		"--server-pid $(head -n 1 "$run_dir/pgsql/data/postmaster.pid")" ;;
	redis) echo "--server-pid $(cat "$run_dir/redis/redis.pid")" ;;
	esac
}

# batch STORE SIZE: bounces per batch (the file dict rewrites its whole
# file for each: fewer on big lists)
batch() {
	if [ "$1" = file ] && [ $(($2 / 10000)) -gt 0 ]; then
		local k=$((bounces * 10000 / $2))
		[ $k -ge 2 ] || k=2
		echo $k
	else
		echo "$bounces"
	fi
}

# run STORE SIZE SEED: one batch; appends "client server wall" per
# bounce in microseconds to results/STORE-SIZE
run() {
	local k out
	k=$(batch "$1" "$2")
	# shellcheck disable=SC2046
	out=$(as_user "$run_dir/state-bench" --dict "$(dict_uri "$1" "$2")" \
		--home "$run_dir/home" --user "$USER_NAME" --addresses "$2" \
		--bounces "$k" --seed "$3" $(server_pids "$1") 2>> "$log") || {
		echo "state-bench failed on $1 with $2 addresses:" >&2
		tail -n 5 "$log" >&2
		exit 1
	}
	set -- "$1" "$2" $out
	# bounces K client-cpu-us C server-cpu-us S wall-us W
	echo "$(( ${6} / ${4} )) $(( ${8} / ${4} )) $(( ${10} / ${4} ))" \
		>> "$run_dir/results/$1-$2"
}

echo "# filling the stores ($sizes addresses)" >&2
for store in $stores; do
	start=$EPOCHREALTIME
	case $store in
	sqlite) mkdir -p "$run_dir/dict" ;;
	pgsql) engine_start pgsql > /dev/null || exit 1 ;;
	redis) engine_start redis > /dev/null || exit 1 ;;
	esac
	for size in $sizes; do
		fill "$store" "$size" || { echo "filling $store failed" >&2; exit 1; }
	done
	echo "#   $store: $(awk -v s="$start" -v e="$EPOCHREALTIME" \
		'BEGIN { printf "%.0f", e - s }') s" >&2
done
# the SQL maps of every size behind one dict server
rm -f "$run_dir/dict/pgsql.conf.ext"
case " $stores " in
*" sqlite "*|*" pgsql "*) dict_server_start || exit 1 ;;
esac

# A round: every store and size in turn, the stores in another order
# each round. Round 0 warms up (caches, connections) and is not counted.
store_list=($stores)
seed=1
for round in $(seq 0 "$rounds"); do
	echo "# round $round of $rounds" >&2
	order=()
	for i in "${!store_list[@]}"; do
		order+=("${store_list[(i + round) % ${#store_list[@]}]}")
	done
	for size in $sizes; do
		for store in "${order[@]}"; do
			seed=$((seed + 1))
			if [ "$round" -eq 0 ]; then
				bounces_saved=$bounces
				bounces=$(( (bounces + 9) / 10 ))
				run "$store" "$size" "$seed"
				bounces=$bounces_saved
				rm -f "$run_dir/results/$store-$size"
			else
				run "$store" "$size" "$seed"
			fi
		done
	done
done

# The table: per store and size, the medians (ms) over the rounds with
# their spread, and the ratio to the 100-address figure of each round
python3 - "$run_dir/results" "$markdown" "$sizes" "$stores" <<'PY'
import os, statistics, sys
results, markdown, sizes, stores = sys.argv[1], sys.argv[2], \
    sys.argv[3].split(), sys.argv[4].split()
names = {'file': 'file', 'sqlite': 'SQLite', 'redis': 'Redis',
         'pgsql': 'PostgreSQL'}

def load(store, size):
    with open(os.path.join(results, '%s-%s' % (store, size))) as f:
        return [tuple(int(v) for v in line.split()) for line in f]

def fmt(values, unit=1000.0, prec=2):
    values = [v / unit for v in values]
    return '%.*f (%.*f to %.*f)' % (prec, statistics.median(values), prec,
                                   min(values), prec, max(values))

head = ['store', 'addresses', 'wall ms', 'CPU ms (bench + servers)',
        'wall / at %s' % sizes[0], 'CPU / at %s' % sizes[0]]
rows = []
for store in stores:
    base = load(store, sizes[0])
    for size in sizes:
        runs = load(store, size)
        wall = [r[2] for r in runs]
        cpu = [r[0] + r[1] for r in runs]
        client = [r[0] for r in runs]
        server = [r[1] for r in runs]
        rw = [r[2] / b[2] for r, b in zip(runs, base)]
        rc = [(r[0] + r[1]) / (b[0] + b[1]) for r, b in zip(runs, base)]
        rows.append([names[store], '{:,}'.format(int(size)), fmt(wall),
                     '%s = %.2f + %.2f' % (fmt(cpu),
                                           statistics.median(client) / 1000,
                                           statistics.median(server) / 1000),
                     fmt(rw, 1), fmt(rc, 1)])
if markdown:
    print('| ' + ' | '.join(head) + ' |')
    print('|' + '|'.join('---' for _ in head) + '|')
    for row in rows:
        print('| ' + ' | '.join(row) + ' |')
else:
    for row in [head] + rows:
        print('\t'.join(row))
PY
