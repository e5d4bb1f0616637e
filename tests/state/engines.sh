# Sourced after tests/sieve/env.sh (run_dir, run_user, as_user) by the
# state, concurrency and users tests and by bench/state-bench.sh: starts
# and stops the stores the per-address state is kept in, each in its own
# directory under run_dir, as the user deliveries run as:
#   sqlite  a database made from conf.d/bounce-state-sqlite.sql, behind
#           Dovecot's dict server
#   pgsql   a PostgreSQL server of its own (initdb, a Unix socket in its
#           directory, no TCP), the tables of conf.d/bounce-state-pgsql.sql,
#           behind the same dict server
#   redis   a Redis server on a free loopback port
# The dict server is a dovecot master with no protocols, its dict socket
# in run_dir/dict/; the maps are the shipped conf.d ones, but for their
# connect line. Each engine_start NAME sets engine_dict, the URI
# deliveries and bounce-state use; engines_stop stops what runs, and
# engines_trap has that done on exit.
#
# PG_FSYNC=off (the benchmark leaves it on) spares the tests PostgreSQL's
# fsyncs; SQLite, behind the dict server, always syncs.

DOVECOT=${DOVECOT:-dovecot}

# engine_available NAME: whether the programs it needs are here (on 2.4
# the dict server takes the shipped dict_server { } blocks, dict_map)
engine_available() {
	case $1 in
	file) return 0 ;;
	sqlite) command -v sqlite3 >/dev/null 2>&1 &&
		command -v "$DOVECOT" >/dev/null 2>&1 &&
		[ -f /usr/lib/dovecot/modules/dict/libdriver_sqlite.so ] ;;
	pgsql) [ -n "$(pg_bindir)" ] &&
		command -v "$DOVECOT" >/dev/null 2>&1 &&
		[ -f /usr/lib/dovecot/modules/dict/libdriver_pgsql.so ] ;;
	redis) command -v redis-server >/dev/null 2>&1 &&
		command -v redis-cli >/dev/null 2>&1 ;;
	*) return 1 ;;
	esac
}

# The newest PostgreSQL server's programs
pg_bindir() {
	for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
			echo "$dir"
			return
		fi
	done
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# engine_dir NAME: its directory, made and owned by the delivery user
engine_dir() {
	mkdir -p "$run_dir/$1"
	[ "$(id -u)" -ne 0 ] || chown "$run_user:$run_group" "$run_dir/$1"
	echo "$run_dir/$1"
}

# dict_map ENGINE CONNECT [NAME]: the shipped map of the release line
# with another connection (CONNECT as 2.3's connect line says it: the
# SQLite file, or "host=DIR dbname=DB user=ROLE"), as the dict NAME
# (ENGINE by default; the dict server calls it bounceNAME): 2.3's map
# file, or on 2.4 the dict_server { } block to include
dict_map() {
	local name=${3:-$1} host= db= user= word
	if [ "${dovecot_line:-2.3}" = 2.3 ]; then
		sed "s|^connect = .*|connect = $2|" \
			"$top_srcdir/conf.d/2.3/dovecot-dict-bounce-$1.conf.ext" \
			> "$run_dir/dict/$name.conf.ext"
		return
	fi
	for word in $2; do
		case $word in
		host=*) host=${word#host=} ;;
		dbname=*) db=${word#dbname=} ;;
		user=*) user=${word#user=} ;;
		esac
	done
	sed -e "s|^  dict bouncestate {|  dict bounce$name {|" \
		-e "s|^    sqlite_path = .*|    sqlite_path = $2|" \
		-e "s|^    pgsql /var/run/postgresql {|    pgsql $host {|" \
		-e "s|^        dbname = .*|        dbname = $db|" \
		-e "s|^        user = .*|        user = $user|" \
		"$top_srcdir/conf.d/2.4/dovecot-dict-bounce-$1.conf.ext" \
		> "$run_dir/dict/$name.conf.ext"
}

dict_server_running() {
	[ -f "$run_dir/dict/run/master.pid" ] &&
		kill -0 "$(cat "$run_dir/dict/run/master.pid")" 2>/dev/null
}

# dict_server_start: (re)starts the dict server with the maps written
dict_server_start() {
	dict_server_stop
	{
		conf_header
		echo "base_dir = $run_dir/dict/run"
		echo "state_dir = $run_dir/dict/state"
		echo "log_path = $run_dir/dict/dovecot.log"
		echo "ssl = no"
		echo "protocols ="
		echo "default_internal_user = $run_user"
		echo "default_internal_group = $run_group"
		echo "default_login_user = $run_user"
		# not root (a developer's run): nothing may chroot
		echo "service anvil {"
		echo "  chroot ="
		echo "}"
		echo "service dict {"
		echo "  unix_listener dict {"
		echo "    mode = 0666"
		echo "  }"
		echo "}"
		if [ "${dovecot_line:-2.3}" = 2.3 ]; then
			echo "dict {"
			for map in "$run_dir"/dict/*.conf.ext; do
				[ -f "$map" ] || continue
				# DRIVER.conf.ext, or DRIVER-SUFFIX.conf.ext
				# for several of one driver (the benchmark's
				# sizes)
				name=$(basename "$map" .conf.ext)
				echo "  bounce$name = ${name%%-*}:$map"
			done
			echo "}"
		else
			# each a dict_server { dict bounceNAME { } } block
			for map in "$run_dir"/dict/*.conf.ext; do
				[ -f "$map" ] && echo "!include $map"
			done
		fi
	} > "$run_dir/dict/dovecot.conf"
	mkdir -p "$run_dir/dict/run" "$run_dir/dict/state"
	if ! "$DOVECOT" -c "$run_dir/dict/dovecot.conf" \
		2>> "$run_dir/dict/dovecot.log"; then
		cat "$run_dir/dict/dovecot.log" >&2
		return 1
	fi
	for i in $(seq 50); do
		[ -S "$run_dir/dict/run/dict" ] && return 0
		sleep 0.1
	done
	echo "the dict server did not start" >&2
	cat "$run_dir/dict/dovecot.log" >&2
	return 1
}

dict_server_stop() {
	dict_server_running || return 0
	pid=$(cat "$run_dir/dict/run/master.pid")
	kill "$pid"
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
}

sqlite_start() {
	dir=$(engine_dir sqlite)
	mkdir -p "$run_dir/dict"
	if [ ! -f "$dir/state.sqlite" ]; then
		as_user sqlite3 "$dir/state.sqlite" \
			< "$top_srcdir/conf.d/bounce-state-sqlite.sql" \
			> /dev/null || return 1
	fi
	dict_map sqlite "$dir/state.sqlite"
	dict_server_start || return 1
	engine_dict=proxy:$run_dir/dict/run/dict:bouncesqlite
}

# pg_sql SQL...: runs SQL as the server's superuser
pg_sql() {
	as_user "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 \
		-h "$run_dir/pgsql" -U bounce -d bounce -c "$*"
}

pg_server_start() {
	as_user "$(pg_bindir)/pg_ctl" -D "$run_dir/pgsql/data" \
		-l "$run_dir/pgsql/server.log" -w -t 60 \
		-o "-k $run_dir/pgsql -c listen_addresses= -c fsync=${PG_FSYNC:-on}" \
		start > /dev/null
}

pg_server_stop() {
	[ -f "$run_dir/pgsql/data/postmaster.pid" ] || return 0
	as_user "$(pg_bindir)/pg_ctl" -D "$run_dir/pgsql/data" -m fast -w \
		stop > /dev/null
}

pgsql_start() {
	dir=$(engine_dir pgsql)
	bin=$(pg_bindir)
	mkdir -p "$run_dir/dict"
	if [ ! -d "$dir/data" ]; then
		# the superuser "bounce" makes the tables; the dict server
		# connects as "dict", which may only read and write them
		as_user "$bin/initdb" -D "$dir/data" -U bounce -A trust \
			-E UTF8 --no-sync > "$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; return 1; }
		pg_server_start || { cat "$dir/server.log" >&2; return 1; }
		as_user "$bin/createdb" -h "$dir" -U bounce bounce &&
		as_user "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" \
			-U bounce -d bounce -f - \
			< "$top_srcdir/conf.d/bounce-state-pgsql.sql" &&
		pg_sql "CREATE ROLE dict LOGIN;
			GRANT SELECT, INSERT, UPDATE, DELETE ON
			bounce_state, bounce_soft, bounce_seen TO dict" || return 1
	elif ! pg_server_start; then
		cat "$dir/server.log" >&2
		return 1
	fi
	dict_map pgsql "host=$dir dbname=bounce user=dict"
	dict_server_start || return 1
	engine_dict=proxy:$run_dir/dict/run/dict:bouncepgsql
}

redis_start() {
	dir=$(engine_dir redis)
	[ -n "${redis_port:-}" ] || redis_port=$(free_port)
	as_user redis-server --port "$redis_port" --bind 127.0.0.1 \
		--save '' --appendonly no --daemonize yes \
		--pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
		--dir "$dir" > /dev/null
	for i in $(seq 50); do
		if redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
			engine_dict=redis:host=127.0.0.1:port=$redis_port
			return 0
		fi
		sleep 0.1
	done
	cat "$dir/redis.log" >&2
	return 1
}

redis_stop() {
	[ -n "${redis_port:-}" ] || return 0
	redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1
	for i in $(seq 50); do
		redis-cli -p "$redis_port" ping >/dev/null 2>&1 || return 0
		sleep 0.1
	done
}

# engine_start NAME [FILE-DICT-PATH]
engine_start() {
	case $1 in
	file) engine_dict=file:${2:-$run_dir/home/bounce-state.dict} ;;
	sqlite) sqlite_start ;;
	pgsql) pgsql_start ;;
	redis) redis_start ;;
	esac
}

engines_stop() {
	dict_server_stop
	pg_server_stop
	redis_stop
}

# engines_trap: stop them and remove run_dir on exit, also when killed
engines_trap() {
	trap 'engines_stop; cleanup_run_dir' EXIT
	trap 'exit 1' HUP INT PIPE TERM
}
