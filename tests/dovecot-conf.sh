# Sourced by every test that runs Dovecot's programs (sieve-test,
# dovecot-lda, dovecot) and by tools' tests that read a configuration: the
# one place that writes configuration for the release line the programs
# belong to. The tests give settings as 2.3 names them ("key = value",
# the keys of the plugin { } section); conf_settings writes them in the
# syntax of the line:
#
#   2.3: inside plugin { }, as given
#   2.4: at the top level; "sieve_extensions = +a -b" (also
#        sieve_global_extensions, sieve_plugins) a boolean list,
#        sieve_before = PATH a sieve_script of type before,
#        sieve = file:DIR;active=PATH the personal sieve_script,
#        sieve_bounce_dict = file:PATH, redis:host=...:port=...:prefix=...
#        or proxy:SOCKET:NAME a dict filter in sieve_bounce { }, and %u, %h
#        %{user}, %{home}
#
# Out: dovecot_line (2.3 or 2.4: $DOVECOT_LINE, else from dovecot
# --version), dovecot_version, and the functions below.

dovecot_version=$( (dovecot --version || /usr/sbin/dovecot --version) \
	2>/dev/null | sed -n '1s/^\([0-9][0-9.]*[0-9]\).*/\1/p')
dovecot_line=${DOVECOT_LINE:-$(echo "$dovecot_version" | cut -d. -f1,2)}

# need_settings_module BUILT_MODULE: on 2.4, whether Dovecot's config
# process knows the plugin's settings: the module it loads from
# DOVECOT_SETTINGS_DIR must be the one of this build (a test cannot put it
# elsewhere). Returns 0, or 1 after saying what to do.
need_settings_module() {
	[ "$dovecot_line" = 2.4 ] || return 0
	installed=${DOVECOT_SETTINGS_DIR:-/usr/lib/dovecot/modules/settings}/$(basename "$1")
	if ! cmp -s "$1" "$installed"; then
		echo "SKIP: Dovecot 2.4 knows the plugin's settings only from" \
			"$installed, which is not this build's $1 (as root:" \
			"make install-settingsLTLIBRARIES)"
		return 1
	fi
}

# What sieve-test's -o puts before a plugin setting's name:
# -o "${conf_o}sieve_bounce_rules=..."
if [ "$dovecot_line" = 2.4 ]; then conf_o=; else conf_o=plugin/; fi

# conf_sieve_test_maildir DIR: sieve-test's options for a mail store in
# the Maildir DIR (no spaces in DIR)
conf_sieve_test_maildir() {
	if [ "$dovecot_line" = 2.4 ]; then
		echo "-o mail_driver=maildir -o mail_path=$1"
	else
		echo "-l maildir:$1"
	fi
}

# conf_header: what a 2.4 configuration starts with
conf_header() {
	if [ "$dovecot_line" = 2.4 ]; then
		echo "dovecot_config_version = $dovecot_version"
		echo "dovecot_storage_version = $dovecot_version"
	fi
}

# conf_maildir DIR: mail in the Maildir DIR
conf_maildir() {
	if [ "$dovecot_line" = 2.4 ]; then
		echo "mail_driver = maildir"
		echo "mail_path = $1"
	else
		echo "mail_location = maildir:$1"
	fi
}

# conf_mail_plugins PROTOCOL PLUGIN: PLUGIN added for PROTOCOL
conf_mail_plugins() {
	echo "protocol $1 {"
	if [ "$dovecot_line" = 2.4 ]; then
		printf '  mail_plugins {\n    %s = yes\n  }\n' "$2"
	else
		echo "  mail_plugins = \$mail_plugins $2"
	fi
	echo "}"
}

# conf_passwd_file FILE: passdb and userdb from the passwd-file FILE
conf_passwd_file() {
	for db in passdb userdb; do
		if [ "$dovecot_line" = 2.4 ]; then
			printf '%s passwd-file {\n  passwd_file_path = %s\n}\n' \
				"$db" "$1"
		else
			printf '%s {\n  driver = passwd-file\n  args = %s\n}\n' \
				"$db" "$1"
		fi
	done
}

# conf_lmtp_listener PORT: LMTP on 127.0.0.1:PORT (2.4 takes the address
# from listen)
conf_lmtp_listener() {
	echo "service lmtp {"
	echo "  inet_listener lmtp {"
	[ "$dovecot_line" = 2.4 ] || echo "    address = 127.0.0.1"
	echo "    port = $1"
	echo "  }"
	echo "}"
}

# conf_settings [LINES]: the plugin settings LINES ("key = value", one a
# line, 2.3's names) in the syntax of the line
conf_settings() {
	if [ "$dovecot_line" != 2.4 ]; then
		echo "plugin {"
		[ -n "${1:-}" ] && printf '%s\n' "$1" | sed 's/^[ \t]*/  /'
		echo "}"
		return
	fi
	printf '%s\n' "${1:-}" | awk '
	function list(key, value,   n, i, w, words) {
		n = split(value, words, /[ \t]+/)
		if (n == 0) { print key " ="; return }
		print key " {"
		for (i = 1; i <= n; i++) {
			w = words[i]
			if (w ~ /^-/) print "  " substr(w, 2) " = no"
			else print "  " (w ~ /^\+/ ? substr(w, 2) : w) " = yes"
		}
		print "}"
	}
	function dict(uri,   driver, args, n, i, kv, p, k, v, map) {
		driver = uri; sub(/:.*/, "", driver)
		args = substr(uri, length(driver) + 2)
		print "sieve_bounce {"
		print "  dict " driver " {"
		if (driver == "file") {
			print "    path = " args
		} else if (driver == "redis") {
			map["host"] = "redis_host"; map["port"] = "redis_port"
			map["prefix"] = "redis_key_prefix"; map["db"] = "redis_db_id"
			map["password"] = "redis_password"
			n = split(args, kv, ":")
			for (i = 1; i <= n; i++) {
				if (kv[i] == "") continue
				p = index(kv[i], "=")
				k = substr(kv[i], 1, p - 1); v = substr(kv[i], p + 1)
				print "    " map[k] " = " v
			}
		} else if (driver == "proxy") {
			p = index(args, ":")
			if (p > 1) print "    dict_proxy_socket_path = " substr(args, 1, p - 1)
			print "    dict_proxy_name = " substr(args, p + 1)
		}
		print "  }"
		print "}"
	}
	{
		sub(/^[ \t]+/, ""); sub(/[ \t]+$/, "")
		if ($0 == "") next
		p = index($0, "=")
		key = substr($0, 1, p - 1); sub(/[ \t]+$/, "", key)
		value = substr($0, p + 1); sub(/^[ \t]+/, "", value)
		gsub(/%u/, "%{user}", value); gsub(/%h/, "%{home}", value)
		if (key ~ /^sieve_(global_)?extensions$|^sieve_plugins$/)
			list(key, value)
		else if (key == "sieve_before") {
			print "sieve_script before {"
			print "  type = before"
			print "  path = " value
			print "}"
		} else if (key == "sieve") {
			n = split(value, parts, ";")
			print "sieve_script personal {"
			print "  driver = file"
			print "  path = " substr(parts[1], 6)
			for (i = 2; i <= n; i++) {
				if (parts[i] ~ /^active=/)
					print "  active_path = " substr(parts[i], 8)
			}
			print "}"
		} else if (key == "sieve_bounce_dict")
			dict_uri = value	# the last one, as on 2.3
		else
			print key " = " value
	}
	END { if (dict_uri != "") dict(dict_uri) }'
}
